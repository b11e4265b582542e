#version 120
// The kept frame's pixel under this one, unchanged (the texture has the viewport's size and
// nearest sampling, so the copy is exact).

uniform sampler2D u_frame;

varying vec2 v_uv;

void main() {
    gl_FragColor = texture2D(u_frame, v_uv);
}
