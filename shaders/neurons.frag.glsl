#version 120
// Shades one neuron's sphere impostor (see neurons.vert.glsl): lit with a head light, writes the
// depth of the sphere surface, marks lesioned neurons dark with a red rim, selected ones with a
// ring, brightens the hovered one, fades those unrelated to the selection; in the picking pass
// writes the row's ID colour instead.

uniform float u_picking;
uniform vec3 u_light_dir;        // towards the light, in view space (x right, y up, z to the viewer)
uniform float u_ambient;
uniform float u_specular;
uniform vec4 u_select_color;
uniform vec4 u_lesion_color;

varying vec4 v_color;
varying vec4 v_sphere;
varying float v_id;

void main() {
    vec2 p = 2.0 * gl_PointCoord - 1.0;
    p.y = -p.y;
    float r = length(p);
    if (r > 1.0) discard;
    float core = v_sphere.x;
    float rs = r / core;                // distance from the centre in sphere radii
    float marks = v_sphere.w + 0.5;
    float selected = mod(floor(marks), 2.0);
    float lesioned = mod(floor(marks / 2.0), 2.0);
    float hovered = mod(floor(marks / 4.0), 2.0);
    float dimmed = floor(marks / 8.0);

    if (rs > 1.0) {
        // the selection ring around the sphere (only drawn when selected)
        gl_FragColor = u_select_color;
        gl_FragDepth = 0.5 * v_sphere.y + 0.5;
        return;
    }
    float height = sqrt(1.0 - rs * rs);
    gl_FragDepth = 0.5 * (v_sphere.y + v_sphere.z * height) + 0.5;
    if (u_picking > 0.5) {
        float id = floor(v_id + 0.5);
        gl_FragColor = vec4(mod(id, 256.0), mod(floor(id / 256.0), 256.0), floor(id / 65536.0), 255.0) / 255.0;
        return;
    }

    vec3 normal = vec3(p / core, height);
    float diffuse = max(dot(normal, u_light_dir), 0.0);
    vec3 halfway = normalize(u_light_dir + vec3(0.0, 0.0, 1.0));
    float specular = u_specular * pow(max(dot(normal, halfway), 0.0), 32.0);
    vec3 base = v_color.rgb;
    if (lesioned > 0.5) {
        base = base * 0.2 + vec3(0.04);
    }
    if (dimmed > 0.5 && hovered < 0.5) {
        base = base * 0.28 + vec3(0.03);
    }
    if (hovered > 0.5) {
        base = mix(base, vec3(1.0), 0.45);
    }
    vec3 shaded = base * (u_ambient + (1.0 - u_ambient) * diffuse) + vec3(specular);
    // a dark silhouette line separates touching spheres
    shaded *= mix(0.55, 1.0, smoothstep(0.0, 0.25, height));
    if (lesioned > 0.5 && rs > 0.68) {
        shaded = u_lesion_color.rgb * (0.6 + 0.4 * diffuse);
    }
    if (selected > 0.5 && lesioned < 0.5) {
        shaded = mix(shaded, u_select_color.rgb, 0.15);
    }
    gl_FragColor = vec4(shaded, v_color.a);
}
