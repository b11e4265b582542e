#version 120
// Copies the kept frame (see brainview/render/kept_frame.py) to the screen: one quad covering
// the viewport, in normalised device coordinates, so no scene transform applies.

attribute vec2 a_position;       // a corner of the viewport, -1 or 1 on each axis

varying vec2 v_uv;

void main() {
    v_uv = 0.5 * a_position + 0.5;
    gl_Position = vec4(a_position, 0.0, 1.0);
}
