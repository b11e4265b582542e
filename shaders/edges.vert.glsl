// Synapse lines: pairs of vertices (presynaptic soma, postsynaptic soma), one colour each.

uniform float u_opacity;

attribute vec3 a_position;
attribute vec4 a_color;

varying vec4 v_color;

void main() {
    v_color = vec4(a_color.rgb, a_color.a * u_opacity);
    gl_Position = $framebuffer_to_render($visual_to_framebuffer(vec4(a_position, 1.0)));
}
