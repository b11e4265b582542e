// Translucent outline meshes (a brain's or a body's surface): the opacity rises where the
// surface is seen edge-on, so the outline reads like a contour without hiding what is inside.

uniform vec4 u_eye;              // the viewer (see neurons.vert.glsl)

attribute vec3 a_position;
attribute vec3 a_normal;

varying float v_facing;

void main() {
    vec3 towards = normalize(u_eye.xyz - a_position * u_eye.w);
    v_facing = abs(dot(normalize(a_normal), towards));
    gl_Position = $framebuffer_to_render($visual_to_framebuffer(vec4(a_position, 1.0)));
}
