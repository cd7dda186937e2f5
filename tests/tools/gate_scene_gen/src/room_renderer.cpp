#include "gate_scene/room_renderer.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "gate_scene/random.hpp"

namespace gate_scene {
namespace {

constexpr double kCeilingHeight_m = 2.8;

/// Smooth random field in [-1, 1]: a coarse grid of random values, bicubically enlarged.
cv::Mat smooth_noise(cv::Size size, int cells_x, int cells_y, Random& random) {
    cv::Mat grid(cells_y, cells_x, CV_32F);
    for (int y = 0; y < cells_y; ++y)
        for (int x = 0; x < cells_x; ++x) grid.at<float>(y, x) = static_cast<float>(random.uniform(-1, 1));
    cv::Mat out;
    cv::resize(grid, out, size, 0, 0, cv::INTER_CUBIC);
    return out;
}

cv::Rect to_pixels(const RoomObject& o, cv::Size size) {
    const int x0 = static_cast<int>(std::lround(o.x0 * size.width)), x1 = static_cast<int>(std::lround(o.x1 * size.width));
    const int y0 = static_cast<int>(std::lround(o.y0 * size.height)), y1 = static_cast<int>(std::lround(o.y1 * size.height));
    return cv::Rect(x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0));
}

void fill(cv::Mat& image, cv::Rect r, float value) {
    r &= cv::Rect(0, 0, image.cols, image.rows);
    if (r.area() > 0) image(r).setTo(value);
}

void draw_object(cv::Mat& image, const RoomObject& o, double room_c, Random& random) {
    const cv::Rect r = to_pixels(o, image.size());
    const float t = static_cast<float>(o.temperature_c);
    const int border = std::max(1, std::min(r.width, r.height) / 18);
    switch (o.kind) {
        case ObjectKind::door:
            fill(image, r, static_cast<float>(room_c + 0.3));  // the frame
            fill(image, {r.x + border, r.y + border, r.width - 2 * border, r.height - border}, t);
            fill(image, {r.x + r.width * 4 / 5, r.y + r.height / 2, std::max(1, border), std::max(1, border)},
                 static_cast<float>(room_c + 1.0));  // handle
            break;
        case ObjectKind::poster: {
            fill(image, r, t);
            for (int i = 0; i < 4; ++i) {  // printed blocks absorb a little differently
                const cv::Rect block(r.x + static_cast<int>(random.uniform(0.1, 0.6) * r.width),
                                     r.y + static_cast<int>(random.uniform(0.1, 0.7) * r.height), r.width / 4, r.height / 6);
                fill(image, block, static_cast<float>(t + random.uniform(-0.2, 0.2)));
            }
            break;
        }
        case ObjectKind::window:
            fill(image, r, static_cast<float>(room_c - 0.3));  // the frame
            fill(image, {r.x + border, r.y + border, r.width - 2 * border, r.height - 2 * border}, t);
            fill(image, {r.x + r.width / 2 - border / 2, r.y, std::max(1, border), r.height}, static_cast<float>(room_c - 0.3));
            fill(image, {r.x, r.y + r.height / 2 - border / 2, r.width, std::max(1, border)}, static_cast<float>(room_c - 0.3));
            break;
        case ObjectKind::monitor:
            fill(image, r, t - 2.5f);  // bezel
            fill(image, {r.x + border, r.y + border, r.width - 2 * border, r.height - 2 * border}, t);
            fill(image, {r.x + r.width / 2 - r.width / 12, r.y + r.height, r.width / 6, r.height / 4}, t - 4.0f);  // stand
            break;
        case ObjectKind::radiator: {
            // Warm air rises: the wall above the radiator is warmer, fading upwards.
            const int plume_h = r.height * 2;
            for (int y = std::max(0, r.y - plume_h); y < r.y; ++y) {
                const double k = std::exp(-(r.y - y) / (0.5 * plume_h));
                for (int x = std::max(0, r.x); x < std::min(image.cols, r.x + r.width); ++x)
                    image.at<float>(y, x) += static_cast<float>(0.08 * (o.temperature_c - room_c) * k);
            }
            const int fins = 14;
            for (int i = 0; i < fins; ++i) {
                const int x0 = r.x + i * r.width / fins, x1 = r.x + (i + 1) * r.width / fins;
                fill(image, {x0, r.y, std::max(1, x1 - x0), r.height}, t);
                fill(image, {x1 - std::max(1, (x1 - x0) / 3), r.y, std::max(1, (x1 - x0) / 3), r.height}, t - 5.0f);
            }
            break;
        }
        case ObjectKind::lamp: {
            const cv::Point2d c(r.x + r.width / 2.0, r.y + r.height / 2.0);
            const double rx = r.width / 2.0, ry = r.height / 2.0;
            const int halo = static_cast<int>(std::max(rx, ry) * 2);
            for (int y = std::max(0, r.y - halo); y < std::min(image.rows, r.y + r.height + halo); ++y)
                for (int x = std::max(0, r.x - halo); x < std::min(image.cols, r.x + r.width + halo); ++x) {
                    const double dx = (x + 0.5 - c.x) / rx, dy = (y + 0.5 - c.y) / ry;
                    const double d = std::sqrt(dx * dx + dy * dy);
                    float& px = image.at<float>(y, x);
                    if (d <= 1)
                        px = t;
                    else
                        px += static_cast<float>(0.12 * (o.temperature_c - room_c) * std::exp(-(d - 1) * 1.5));
                }
            break;
        }
        case ObjectKind::sunlit_floor: {
            // Sunlight through a window: a patch with soft, slanted edges.
            cv::Mat patch = cv::Mat::zeros(image.size(), CV_32F);
            const std::vector<cv::Point> quad = {{r.x + r.width / 6, r.y},
                                                 {r.x + r.width, r.y},
                                                 {r.x + r.width * 5 / 6, r.y + r.height},
                                                 {r.x, r.y + r.height}};
            cv::fillConvexPoly(patch, quad, cv::Scalar(1.0));
            const int k = std::max(3, (border * 2) | 1);
            cv::GaussianBlur(patch, patch, cv::Size(k, k), 0);
            image = image.mul(1.0 - patch) + patch * o.temperature_c;
            break;
        }
        case ObjectKind::sign:
            fill(image, r, t - 1.0f);
            fill(image, {r.x + border, r.y + border, r.width - 2 * border, r.height - 2 * border}, t);
            break;
    }
}

}  // namespace

cv::Mat render_room(const CameraModel& camera, const CameraSpec& spec, const RoomSpec& room, std::uint64_t seed) {
    const int ss = camera.supersample();
    const cv::Size size(spec.width * ss, spec.height * ss);
    cv::Mat image(size, CV_32F);
    Random random(seed, "room");
    const cv::Mat coarse = smooth_noise(size, 9, 7, random);
    const cv::Mat fine = smooth_noise(size, 40, 30, random);
    const double wall = room.wall_distance_m, lens = spec.height_m;
    for (int y = 0; y < size.height; ++y) {
        auto* row = image.ptr<float>(y);
        const double v = (y + 0.5) / ss;
        for (int x = 0; x < size.width; ++x) {
            const cv::Vec3d d = camera.ray((x + 0.5) / ss, v);
            const double texture = room.texture_c * (coarse.at<float>(y, x) + 0.35 * fine.at<float>(y, x));
            double t = 0;
            // Where the ray meets the back wall, unless the floor or the ceiling come first.
            const double height_at_wall = lens + d[1] * (wall / d[2]);
            if (height_at_wall < 0) {
                const double distance = lens / -d[1] * d[2];  // horizontal distance of the floor point
                t = room.temperature_c - 1.2 + 0.5 * std::min(1.0, distance / wall) + 0.5 * texture;
            } else if (height_at_wall > kCeilingHeight_m) {
                t = room.temperature_c + 0.8 * room.wall_gradient_c + 0.6 + 0.5 * texture;
            } else {
                t = room.temperature_c + room.wall_gradient_c * (height_at_wall / kCeilingHeight_m - 0.5) + texture;
            }
            row[x] = static_cast<float>(t);
        }
    }
    for (const auto& object : room.objects) draw_object(image, object, room.temperature_c, random);
    return image;
}

}  // namespace gate_scene
