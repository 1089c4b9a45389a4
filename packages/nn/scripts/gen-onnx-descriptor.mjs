#!/usr/bin/env node
// Writes src/onnx/onnx-descriptor.generated.json, the protobufjs reflection descriptor of the
// whole of onnx.proto (the form `pbjs -t json` writes, loaded with Root.fromJSON), so that
// decode → encode keeps every field of a foreign model (functions, sparse_initializer,
// training_info, …) instead of dropping what a hand-kept subset did not list. Data, not code:
// the descriptor is what the generator produces, and src/onnx/proto.ts is the code that reads it.
// Run after replacing vendor/onnx/onnx.proto with a newer release:
//   node packages/nn/scripts/gen-onnx-descriptor.mjs
// The .proto is the official file of the `onnx` release named in ONNX_VERSION (taken from
// its Python wheel, onnx/onnx.proto), Apache-2.0: see vendor/onnx/LICENSE and NOTICE.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import protobuf from 'protobufjs';

const ONNX_VERSION = '1.23.1';
const here = dirname(fileURLToPath(import.meta.url));
const protoPath = join(here, '..', 'vendor', 'onnx', 'onnx.proto');
const outPath = join(here, '..', 'src', 'onnx', 'onnx-descriptor.generated.json');

// keepCase: false gives the camelCase names (irVersion, opsetImport) the package's
// plain-object types have always used.
const { root } = protobuf.parse(readFileSync(protoPath, 'utf8'), { keepCase: false, alternateCommentMode: true });
// protoName (the snake_case name beside each camelCase field) is left out: the wire uses
// field ids, nothing here reads JSON names, and protobufjs's INamespace type has no such key.
const json = JSON.stringify(root.toJSON({ keepComments: false }), (key, value) => (key === 'protoName' ? undefined : value), 2);

// Formatted as the tree is, so regenerating gives no diff after `prettier --write`.
const formatted = await prettier.format(json, { ...(await prettier.resolveConfig(outPath)), filepath: outPath });
// Written beside and renamed, so a failed run never leaves half a descriptor behind.
writeFileSync(`${outPath}.tmp`, formatted);
renameSync(`${outPath}.tmp`, outPath);
console.log(`wrote ${outPath} from onnx.proto of onnx ${ONNX_VERSION}`);
