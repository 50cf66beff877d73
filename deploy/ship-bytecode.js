'use strict';

// Ship bytecode that stays valid inside Lambda.
//
// Python checks a timestamp .pyc against its source's mtime, but the zip's entries carry
// fixed dates, so in Lambda every timestamp .pyc is stale and the read-only /var/task
// makes Python recompile every module on every cold start (seconds, measured locally).
// Hash-checked .pyc files are validated against the source's hash instead: pip writes
// them for the requirements when SOURCE_DATE_EPOCH is set, and this plugin compiles the
// app's own modules the same way before the zip is made.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// Bytecode whose source is gone (a module moved or deleted) would be shipped and stay
// importable: remove it first.
function removeOrphanBytecode(folder) {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const inside = path.join(folder, entry.name);
    if (!entry.isDirectory()) continue;
    if (entry.name !== '__pycache__') {
      removeOrphanBytecode(inside);
      continue;
    }
    for (const compiled of fs.readdirSync(inside)) {
      const source = path.join(folder, compiled.replace(/\.cpython-\d+\.pyc$/, '.py'));
      if (compiled.endsWith('.pyc') && !fs.existsSync(source)) fs.rmSync(path.join(inside, compiled));
    }
  }
}

class ShipBytecode {
  constructor(serverless) {
    this.serverless = serverless;
    // Set here, before serverless-python-requirements runs pip in this process.
    if (!process.env.SOURCE_DATE_EPOCH) process.env.SOURCE_DATE_EPOCH = '315532800';
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.compileApp(),
    };
  }

  compileApp() {
    removeOrphanBytecode(path.join(this.serverless.serviceDir, 'proxy_app'));
    const custom = this.serverless.service.custom || {};
    const python = (custom.pythonRequirements || {}).pythonBin || 'python3.12';
    const args = ['-m', 'compileall', '-q', '-f', '--invalidation-mode', 'checked-hash'];
    const result = spawnSync(python, [...args, 'proxy_app', 'wsgi.py', 'triggers.py'], {
      cwd: this.serverless.serviceDir,
      stdio: 'inherit',
    });
    if (result.status !== 0) {
      throw new this.serverless.classes.Error(
        `ship-bytecode: ${python} -m compileall failed (${result.error || result.status})`
      );
    }
  }
}

module.exports = ShipBytecode;
