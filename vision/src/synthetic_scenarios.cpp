// The built-in scenario suite: one scenario per thing that makes gate screening hard.
#include <algorithm>

#include "gatehouse/vision/synthetic_scene.hpp"

namespace gatehouse::vision {

namespace {

/// A person walking up from far away to `distance_m` at `x`, standing there `stop_s`, then walking off sideways.
ScenePerson walk_up(double canthus, double t0, double x, double distance_m = 1.0, double stop_s = 2.5) {
    ScenePerson p;
    p.canthus_celsius = canthus;
    const double from_x = std::clamp(x + (x < 0.5 ? -0.1 : 0.1), 0.2, 0.8);
    p.path = {{t0, from_x, 4.0},
              {t0 + 2.0, x, distance_m},
              {t0 + 2.0 + stop_s, x, distance_m},
              {t0 + 3.2 + stop_s, x < 0.5 ? -0.4 : 1.4, distance_m}};
    return p;
}

SceneSpec make(std::string name, std::string description, double duration_s) {
    SceneSpec spec;
    spec.name = std::move(name);
    spec.description = std::move(description);
    spec.camera.duration_s = duration_s;
    return spec;
}

}  // namespace

std::vector<SceneSpec> builtin_scenes() {
    std::vector<SceneSpec> all;

    {
        auto s = make("single_normal", "one person walks up, stops at the mark, leaves", 7);
        s.camera.seed = 11;
        s.people.push_back(walk_up(36.7, 0.3, 0.5));
        all.push_back(s);
    }
    {
        auto s = make("single_febrile", "one febrile person", 7);
        s.camera.seed = 12;
        s.people.push_back(walk_up(38.3, 0.3, 0.5));
        all.push_back(s);
    }
    {
        auto s = make("borderline", "just above and just below the threshold, one after the other", 12);
        s.camera.seed = 13;
        s.people.push_back(walk_up(37.7, 0.3, 0.5));
        s.people.push_back(walk_up(36.8, 6.3, 0.5));
        all.push_back(s);
    }
    {
        auto s = make("drift_up", "camera drifts +1 °C; the blackbody drifts with it", 12);
        s.camera.seed = 14;
        s.camera.drift_celsius = 1.0;
        s.camera.drift_period_s = 24;
        s.people.push_back(walk_up(37.9, 1.5, 0.5));
        s.people.push_back(walk_up(36.9, 6.0, 0.45));
        all.push_back(s);
    }
    {
        auto s = make("drift_down", "camera drifts -1 °C", 12);
        s.camera.seed = 15;
        s.camera.drift_celsius = -1.0;
        s.camera.drift_period_s = 24;
        s.people.push_back(walk_up(36.6, 1.5, 0.55));
        s.people.push_back(walk_up(38.0, 6.0, 0.5));
        all.push_back(s);
    }
    {
        auto s = make("masked", "surgical masks: cooler lower face, canthi visible", 12);
        s.camera.seed = 16;
        auto a = walk_up(38.0, 0.3, 0.5);
        a.mask = true;
        auto b = walk_up(36.5, 6.0, 0.5);
        b.mask = true;
        s.people = {a, b};
        all.push_back(s);
    }
    {
        auto s = make("glasses", "glasses hide the canthi (opaque in LWIR): uncertain, even when febrile", 7);
        s.camera.seed = 17;
        auto p = walk_up(38.2, 0.3, 0.5);
        p.glasses = true;
        s.people.push_back(p);
        all.push_back(s);
    }
    {
        auto s = make("hats", "hats cover forehead and hair, not the eyes", 12);
        s.camera.seed = 18;
        auto a = walk_up(36.6, 0.3, 0.5);
        a.hat = true;
        auto b = walk_up(37.8, 6.0, 0.5);
        b.hat = true;
        s.people = {a, b};
        all.push_back(s);
    }
    {
        auto s = make("cold_arrival", "arrivals from outdoors: cold face skin and hair, canthi still warm", 12);
        s.camera.seed = 19;
        s.camera.ambient_celsius = 18;
        auto a = walk_up(37.8, 0.3, 0.5);
        a.cold_arrival = true;
        auto b = walk_up(36.4, 6.0, 0.5);
        b.cold_arrival = true;
        s.people = {a, b};
        all.push_back(s);
    }
    {
        auto s = make("side_by_side", "two people side by side at the mark", 7);
        s.camera.seed = 20;
        s.people.push_back(walk_up(38.1, 0.3, 0.27));
        s.people.push_back(walk_up(36.7, 0.4, 0.73));
        all.push_back(s);
    }
    {
        auto s = make("queue", "four people in a row, mixed", 22);
        s.camera.seed = 21;
        s.people.push_back(walk_up(36.6, 0.3, 0.5, 1.0, 2.0));
        s.people.push_back(walk_up(37.5, 5.3, 0.45, 0.9, 2.0));
        s.people.push_back(walk_up(36.9, 10.3, 0.55, 1.1, 2.0));
        s.people.push_back(walk_up(38.6, 15.3, 0.5, 1.0, 2.0));
        s.people[1].height_m = 1.60;
        s.people[2].height_m = 1.85;
        all.push_back(s);
    }
    {
        auto s = make("overlapping", "a febrile person half hidden behind a normal one: both uncertain", 7);
        s.camera.seed = 36;
        auto front = walk_up(36.8, 0.3, 0.45);
        auto behind = walk_up(38.2, 0.3, 0.56, 1.15);
        for (auto* p : {&front, &behind}) {
            p->expect = ExpectedOutcome::uncertain;
            p->expect_reason = "multiple_people";
        }
        s.people = {front, behind};
        all.push_back(s);
    }
    {
        auto s = make("far_person", "someone who stays far away (2.4 m) and leaves: nothing", 7);
        s.camera.seed = 22;
        s.people.push_back(walk_up(38.0, 0.3, 0.5, 2.4, 3.0));
        all.push_back(s);
    }
    {
        auto s = make("too_close", "someone who steps in from the side at 0.3 m and stays: uncertain too_close", 7);
        s.camera.seed = 23;
        ScenePerson p;
        p.canthus_celsius = 36.8;
        p.path = {{0.3, -0.4, 0.3}, {1.5, 0.5, 0.3}, {4.5, 0.5, 0.3}, {5.7, 1.4, 0.3}};
        s.people.push_back(p);
        all.push_back(s);
    }
    {
        auto s = make("walk_through", "someone crosses at the mark without stopping: uncertain moving", 5);
        s.camera.seed = 24;
        ScenePerson p;
        p.canthus_celsius = 36.8;
        p.path = {{0.3, -0.3, 1.0}, {2.3, 1.3, 1.0}};
        p.expect = ExpectedOutcome::uncertain;
        p.expect_reason = "moving";
        s.people.push_back(p);
        all.push_back(s);
    }
    {
        auto s = make("hot_cup", "a hot cup on a desk in view while a normal person is screened", 7);
        s.camera.seed = 25;
        s.objects.push_back({"cup", 0.85, 0.8, 0.06, 0.1, 65});
        s.people.push_back(walk_up(36.8, 0.3, 0.45));
        all.push_back(s);
    }
    {
        auto s = make("heater", "a heater in view; a febrile person", 7);
        s.camera.seed = 26;
        s.objects.push_back({"heater", 0.12, 0.75, 0.16, 0.3, 58});
        s.people.push_back(walk_up(38.0, 0.3, 0.55));
        all.push_back(s);
    }
    {
        auto s = make("warm_monitor", "a monitor at skin temperature in view; a normal person", 7);
        s.camera.seed = 27;
        s.objects.push_back({"monitor", 0.84, 0.45, 0.2, 0.18, 36.0});
        s.people.push_back(walk_up(36.5, 0.3, 0.45));
        all.push_back(s);
    }
    {
        auto s = make("sunlit_floor", "a sunlit patch of floor; a normal person", 7);
        s.camera.seed = 28;
        s.objects.push_back({"sunlit_floor", 0.5, 0.92, 0.9, 0.2, 34});
        s.people.push_back(walk_up(36.8, 0.3, 0.5));
        all.push_back(s);
    }
    {
        auto s = make("lamp_and_disc", "a hot lamp and a face-sized warm disc (a heated sign) in view, nobody", 6);
        s.camera.seed = 29;
        s.objects.push_back({"lamp", 0.8, 0.15, 0.05, 0.07, 85});
        s.objects.push_back({"warm_disc", 0.3, 0.45, 0.2, 0.26, 37.8});
        all.push_back(s);
    }
    {
        auto s = make("reference_fault", "the blackbody is covered before the person arrives: uncertain", 7);
        s.camera.seed = 30;
        s.blackbody->off_after_s = 1.0;
        auto p = walk_up(38.0, 0.6, 0.5);
        p.expect = ExpectedOutcome::uncertain;
        p.expect_reason = "reference_fault";
        s.people.push_back(p);
        all.push_back(s);
    }
    {
        auto s = make("sideways_mount", "camera mounted sideways (frames need 90° cw rotation), mirrored", 7);
        s.camera.seed = 31;
        s.camera.width = 160;
        s.camera.height = 120;
        s.camera.rotate_cw = 90;
        s.camera.mirror = true;
        s.people.push_back(walk_up(38.4, 0.3, 0.5, 1.0));
        s.camera.focal_widths = 1.9;  // a portrait frame is narrower; keep the head size comparable
        all.push_back(s);
    }
    {
        auto s = make("mid_384", "384x288 camera, 25 fps, drift and two people", 12);
        s.camera.seed = 32;
        s.camera.width = 384;
        s.camera.height = 288;
        s.camera.fps = 25;
        s.camera.drift_celsius = 0.8;
        s.people.push_back(walk_up(37.6, 0.3, 0.5));
        s.people.push_back(walk_up(36.6, 6.0, 0.5));
        all.push_back(s);
    }
    {
        auto s = make("hd_640", "640x512 camera, a pair side by side then one alone", 12);
        s.camera.seed = 33;
        s.camera.width = 640;
        s.camera.height = 512;
        s.camera.drift_celsius = -0.7;
        s.people.push_back(walk_up(36.7, 0.3, 0.27));
        s.people.push_back(walk_up(38.5, 0.3, 0.73));
        s.people.push_back(walk_up(37.0, 6.0, 0.5));
        all.push_back(s);
    }
    {
        auto s = make("empty_drift", "empty room, camera drifting: nothing", 6);
        s.camera.seed = 34;
        s.camera.drift_celsius = 1.0;
        s.camera.drift_period_s = 12;
        all.push_back(s);
    }
    return all;
}

std::optional<SceneSpec> builtin_scene(const std::string& name) {
    for (auto& spec : builtin_scenes())
        if (spec.name == name) return spec;
    return std::nullopt;
}

}  // namespace gatehouse::vision
