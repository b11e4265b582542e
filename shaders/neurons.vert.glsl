// Neurons as sphere impostors: one GL point per neuron, drawn in a single call.
//
// Attributes (one entry per neuron):
//   a_sphere  xyz = soma centre, w = radius, both in micrometres (visual coordinates)
//   a_color   RGBA in [0, 1]
//   a_state   x = flag bits (1 selected, 2 lesioned, 4 hidden, 8 dimmed: not related to the
//             selection), y = row index (picking, hover)
//
// The point is sized so that the sphere keeps its size in micrometres under any camera; the
// fragment shader writes the depth of the sphere's surface, so spheres intersect correctly.
// u_px_per_um and u_depth are computed once per frame on the CPU (see visuals/_gl.py), which
// keeps this shader to one transform per neuron: software OpenGL runs it for every neuron.

uniform float u_px_per_um;       // framebuffer pixels per micrometre at clip w = 1
uniform vec4 u_depth;            // NDC depth against distance: perspective (a, b, 0, 1), depth =
                                 // a + b / w; orthographic (0, 0, s, 0), s per um towards the viewer
uniform float u_radius_scale;    // multiplies every radius (the "size" control)
uniform float u_min_radius_px;   // far-away neurons never shrink below this
uniform float u_max_point_px;    // the GL implementation's largest point size
uniform float u_ring_px;         // width of the selection ring outside the sphere
uniform float u_picking;         // 1 during the ID-colour pass
uniform float u_hover_row;       // row under the cursor, -1 when none

attribute vec4 a_sphere;
attribute vec4 a_color;
attribute vec2 a_state;

varying vec4 v_color;
varying vec4 v_sphere;           // x: sphere radius / point radius, y: NDC depth of the centre,
                                 // z: NDC depth from the centre to the front, w: packed marks
varying float v_id;

float bit(float flags, float value) {
    // GLSL 1.20 has no integer bit operations
    return mod(floor((flags + 0.5) / value), 2.0);
}

void main() {
    float flags = a_state.x;
    if (bit(flags, 4.0) > 0.5) {
        // hidden: outside the clip volume, so the point is culled
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        gl_PointSize = 0.0;
        return;
    }
    vec3 centre = a_sphere.xyz;
    float radius = a_sphere.w * u_radius_scale;
    vec4 fb = $visual_to_framebuffer(vec4(centre, 1.0));
    float radius_px = radius * u_px_per_um / fb.w;

    // the sphere's nearest point is one radius closer to the viewer than its centre
    float centre_depth = fb.z / fb.w;
    float front_depth = u_depth.w > 0.5 ? u_depth.x + u_depth.y / max(fb.w - radius, 1e-3 * fb.w)
                                        : centre_depth - u_depth.z * radius;

    float selected = bit(flags, 1.0);
    float lesioned = bit(flags, 2.0);
    float dimmed = bit(flags, 8.0);
    float hovered = abs(a_state.y - u_hover_row) < 0.5 ? 1.0 : 0.0;
    float ring = (selected > 0.5 && u_picking < 0.5) ? u_ring_px : 0.0;
    radius_px = clamp(radius_px, u_min_radius_px, 0.5 * u_max_point_px - ring);
    float point_radius = radius_px + ring;

    v_sphere = vec4(radius_px / point_radius, centre_depth, front_depth - centre_depth,
                    selected + 2.0 * lesioned + 4.0 * hovered + 8.0 * dimmed);
    v_color = a_color;
    v_id = a_state.y + 1.0;  // 0 is the background in the ID pass
    gl_Position = $framebuffer_to_render(fb);
    gl_PointSize = 2.0 * point_radius;
}
