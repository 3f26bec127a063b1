// Where this Node's own C headers are, so that node-gyp builds against them instead of downloading
// a header tarball (the install must fetch nothing outside the npm registry). Official Node
// tarballs and Debian's nodejs/libnode-dev put them at <prefix>/include/node.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A --nodedir for node-gyp (a prefix holding include/node/node_api.h), or null when there is none. */
export function localNodeDir() {
  const prefixes = [
    process.env.npm_config_nodedir,
    dirname(dirname(process.execPath)),
    process.config?.variables?.node_prefix,
    '/usr',
    join(process.env.HOME || '', '.cache', 'node-gyp', process.versions.node), // headers node-gyp fetched earlier
  ];
  for (const prefix of prefixes) {
    if (prefix && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  }
  return null;
}
