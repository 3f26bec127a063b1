# Builds the addon from the one source list (scripts/sources.mjs); CMakeLists.txt reads the same list.
# Each ISA's kernels are a static library with that ISA's flags (both from native/core/isa_list.h,
# through sources.mjs), so the addon itself stays baseline x86-64 / ARMv8 and runs on any CPU; the
# best kernels are chosen at run time. The kernels are static libraries so that an addon links only
# the objects it calls (the production addon leaves out the benchmark-only streaming kernels). With
# GRADGUARD_DEVTOOLS=1 (`npm run build:native`) it also builds gradguard_devtools.node, the bench
# probes and test hooks, which the package never ships.
{
  'variables': {
    'gradguard_devtools%': '<!(node -p "process.env.GRADGUARD_DEVTOOLS === \'1\' ? 1 : 0")',
  },
  'target_defaults': {
    'include_dirs': [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      'native',
    ],
    'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NODE_ADDON_API_CPP_EXCEPTIONS_ALL', 'NODE_ADDON_API_DISABLE_DEPRECATED', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions', '-std=gnu++17', '-std=gnu++14'],
    'cflags': ['-O3', '-fvisibility=hidden', '-Wall', '-Wextra'],
    'cflags_cc': ['-std=c++17', '-fexceptions'],
    'xcode_settings': {
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'OTHER_CFLAGS': ['-O3', '-fvisibility=hidden'],
    },
  },
  'targets': [
    # One static library per row of native/core/isa_list.h, with that row's flags; sources.mjs
    # leaves it empty for a target of another architecture (an empty archive links to nothing).
    # gyp has no loops: a new ISA copies one of these blocks and adds it to the addon's dependencies
    # (test/build/sources.test.ts names the missing one).
    {
      'target_name': 'gradguard_scalar',
      'type': 'static_library',
      'sources': ['<!@(node scripts/sources.mjs --group scalar --arch <(target_arch))'],
      'cflags': ['<!@(node scripts/sources.mjs --flags scalar)'],
      'xcode_settings': { 'OTHER_CFLAGS': ['<!@(node scripts/sources.mjs --flags scalar)'] },
    },
    {
      'target_name': 'gradguard_neon',
      'type': 'static_library',
      'sources': ['<!@(node scripts/sources.mjs --group neon --arch <(target_arch))'],
      'cflags': ['<!@(node scripts/sources.mjs --flags neon)'],
      'xcode_settings': { 'OTHER_CFLAGS': ['<!@(node scripts/sources.mjs --flags neon)'] },
    },
    {
      'target_name': 'gradguard_avx2',
      'type': 'static_library',
      'sources': ['<!@(node scripts/sources.mjs --group avx2 --arch <(target_arch))'],
      'cflags': ['<!@(node scripts/sources.mjs --flags avx2)'],
      'xcode_settings': { 'OTHER_CFLAGS': ['<!@(node scripts/sources.mjs --flags avx2)'] },
    },
    {
      'target_name': 'gradguard_avx512',
      'type': 'static_library',
      'sources': ['<!@(node scripts/sources.mjs --group avx512 --arch <(target_arch))'],
      'cflags': ['<!@(node scripts/sources.mjs --flags avx512)'],
      'xcode_settings': { 'OTHER_CFLAGS': ['<!@(node scripts/sources.mjs --flags avx512)'] },
    },
    {
      'target_name': 'gradguard_base',
      'type': 'static_library',
      'sources': ['<!@(node scripts/sources.mjs --group base)'],
      'dependencies': ['gradguard_scalar', 'gradguard_neon', 'gradguard_avx2', 'gradguard_avx512'],
      'direct_dependent_settings': {
        'conditions': [['OS=="linux"', { 'libraries': ['-lpthread'] }]],
      },
      'export_dependent_settings': ['gradguard_scalar'],
    },
    {
      'target_name': 'gradguard',
      'sources': ['<!@(node scripts/sources.mjs --group addon)'],
      'dependencies': ['gradguard_base'],
    },
  ],
  'conditions': [
    ['gradguard_devtools==1', {
      'targets': [
        {
          'target_name': 'gradguard_devtools',
          'sources': ['<!@(node scripts/sources.mjs --group devtools)'],
          'dependencies': ['gradguard_base'],
        },
      ],
    }],
  ],
}
