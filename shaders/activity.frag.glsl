#version 120
// A soft additive halo whose strength fades with the age of the spike (see activity.vert.glsl).

uniform vec4 u_glow_color;

varying float v_intensity;

void main() {
    vec2 p = 2.0 * gl_PointCoord - 1.0;
    float r2 = dot(p, p);
    if (r2 > 1.0 || v_intensity <= 0.0) discard;
    float falloff = exp(-3.5 * r2) - exp(-3.5);
    gl_FragColor = vec4(u_glow_color.rgb, u_glow_color.a * v_intensity * falloff);
}
