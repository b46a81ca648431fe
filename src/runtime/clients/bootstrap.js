// nuage's Lambda runtime client for Node.js: speaks the Lambda Runtime API
// (AWS_LAMBDA_RUNTIME_API) with the http module only. CommonJS (.js, .cjs)
// and ES module (.mjs) handlers; async, promise and callback styles.
// Embedded in the nuage binary, written to <data>/runtime.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const API = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: Number(PORT), method, path: API + p, agent,
                               headers: Object.assign({}, headers || {}) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function errorDoc(e, type) {
  const err = e instanceof Error ? e : new Error(typeof e === 'string' ? e : JSON.stringify(e));
  return { errorType: type || err.name || 'Error', errorMessage: err.message,
           trace: String(err.stack || '').split('\n') };
}

async function initError(doc) {
  console.error(`${new Date().toISOString()}\tundefined\tERROR\t${JSON.stringify(doc)}`);
  await request('POST', '/init/error', JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
  process.exit(1);
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || '/var/task';
  const dot = spec.lastIndexOf('.');
  if (dot < 0) return initError({ errorType: 'Runtime.MalformedHandlerName', errorMessage: `Bad handler ${spec}`, trace: [] });
  const modPath = spec.slice(0, dot), fnName = spec.slice(dot + 1);
  let file = null;
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (fs.existsSync(path.join(root, modPath + ext))) { file = path.join(root, modPath + ext); break; }
  }
  let mod;
  try {
    if (!file) {
      const e = new Error(`Cannot find module '${modPath}'`);
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    }
    mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND')
      return initError({ errorType: 'Runtime.ImportModuleError',
                         errorMessage: `Error: Cannot find module '${modPath}'\nRequire stack:\n- /var/runtime/index.mjs`, trace: [] });
    if (e instanceof SyntaxError) return initError(errorDoc(e, 'Runtime.UserCodeSyntaxError'));
    return initError(errorDoc(e));
  }
  let fn = mod[fnName];
  if (fn === undefined && mod.default) fn = mod.default[fnName];
  if (typeof fn !== 'function')
    return initError({ errorType: 'Runtime.HandlerNotFound', errorMessage: `${spec} is undefined or not exported`, trace: [] });
  return fn;
}

function invokeHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    let done = false;
    const callback = (err, result) => {
      if (done) return;
      done = true;
      if (err !== null && err !== undefined) reject(err); else resolve(result);
    };
    context.done = callback;
    context.succeed = (r) => callback(null, r);
    context.fail = (e) => callback(e || new Error('handled'));
    try {
      const r = fn(event, context, callback);
      if (r && typeof r.then === 'function') r.then((v) => callback(null, v), (e) => callback(e || new Error('rejected')));
      else if (fn.length < 3) callback(null, r);
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  const fn = await loadHandler();
  for (;;) {
    const next = await request('GET', '/invocation/next');
    const h = next.headers;
    const id = h['lambda-runtime-aws-request-id'];
    const deadline = Number(h['lambda-runtime-deadline-ms'] || 0);
    if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: id,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const event = next.body.length ? JSON.parse(next.body.toString()) : {};
      const result = await invokeHandler(fn, event, context);
      const out = JSON.stringify(result === undefined ? null : result);
      await request('POST', `/invocation/${id}/response`, out);
    } catch (e) {
      const doc = errorDoc(e);
      console.error(`${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(doc)}`);
      await request('POST', `/invocation/${id}/error`, JSON.stringify(doc),
                    { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
