# Writes OUTPUT: a C++ source holding every SCENES_DIR/*.json as a raw string, keyed by the file's stem.
file(GLOB files ${SCENES_DIR}/*.json)
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(stem ${f} NAME_WE)
  file(READ ${f} text)
  string(FIND "${text}" ")gate_scene\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter )gate_scene\"")
  endif()
  string(APPEND body "    {\"${stem}\", R\"gate_scene(${text})gate_scene\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp "// Generated from tests/data/gate_scenes/*.json by embed_scenarios.cmake; do not edit.
#include \"gate_scene/builtin_scenarios.hpp\"

namespace gate_scene {

std::span<const BuiltinScenario> builtin_scenarios() {
    static const BuiltinScenario scenarios[] = {
${body}    };
    return scenarios;
}

}  // namespace gate_scene
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
