// Activity glow: one point per recent spike event, read from a ring buffer of
// (position, radius, spike time) records. The CPU appends only the new spikes of each frame;
// the fade is computed here from u_time - a_time, so nothing else is uploaded per frame.

uniform float u_px_per_um;       // see neurons.vert.glsl
uniform vec4 u_depth;
uniform float u_time;            // current time, ms
uniform float u_tau;             // decay time constant of the glow, ms
uniform float u_cutoff;          // events older than this (ms) are not drawn
uniform float u_halo;            // halo radius in units of the neuron's radius
uniform float u_radius_scale;
uniform float u_min_halo_px;
uniform float u_max_point_px;

attribute vec3 a_position;
attribute float a_radius;
attribute float a_time;

varying float v_intensity;

void main() {
    float age = u_time - a_time;
    if (age < 0.0 || age > u_cutoff) {
        gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
        gl_PointSize = 0.0;
        v_intensity = 0.0;
        return;
    }
    v_intensity = exp(-age / u_tau);
    float radius = a_radius * u_radius_scale;
    vec4 fb = $visual_to_framebuffer(vec4(a_position, 1.0));
    float halo_px = clamp(u_halo * radius * u_px_per_um / fb.w, u_min_halo_px, 0.5 * u_max_point_px);

    // draw the halo just in front of the sphere's near surface, so that it lights its own
    // neuron while nearer neurons still hide it
    float near = 1.05 * radius;
    float front_depth = u_depth.w > 0.5 ? u_depth.x + u_depth.y / max(fb.w - near, 1e-3 * fb.w)
                                        : fb.z / fb.w - u_depth.z * near;
    gl_Position = $framebuffer_to_render(vec4(fb.xy, front_depth * fb.w, fb.w));
    gl_PointSize = 2.0 * halo_px;
}
