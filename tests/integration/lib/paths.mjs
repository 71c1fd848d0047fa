// Where the binary under test lives: $SWITCHYARD_BIN, else build/switchyard
// in the repository.
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function switchyardBin() {
  return process.env.SWITCHYARD_BIN || path.join(repoRoot, 'build', 'switchyard');
}
