# The CPU build (node-gyp). The full build is CMakeLists.txt; both compile native/sources.txt.
{
  "targets": [
    {
      "target_name": "randvar",
      "sources": ["<!@(node -p \"require('fs').readFileSync('native/sources.txt','utf8').split(/\\s+/).filter(Boolean).join(' ')\")"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_EXPERIMENTAL", "NAPI_VERSION=2147483647", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-O2", "-O3"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function"],
      "conditions": [["OS=='linux'", { "libraries": ["-ldl"] }]],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "11.0",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno", "-fno-trapping-math"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ]
}
