#version 120
// Synapse lines: the colour (sign) and alpha (synapse count) come from the vertex.

varying vec4 v_color;

void main() {
    gl_FragColor = v_color;
}
