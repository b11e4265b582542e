#version 120
// See outline_mesh.vert.glsl: a faint fill plus a stronger rim where the surface turns away.

uniform vec4 u_color;
uniform float u_rim;             // how much more opaque the silhouette is than the face-on surface

varying float v_facing;

void main() {
    float rim = pow(1.0 - clamp(v_facing, 0.0, 1.0), 3.0);
    float alpha = clamp(u_color.a * (1.0 + u_rim * rim), 0.0, 1.0);
    gl_FragColor = vec4(u_color.rgb, alpha);
}
