# nuage's Lambda runtime client for Python: speaks the Lambda Runtime API
# (AWS_LAMBDA_RUNTIME_API) like AWS's awslambdaric, with the standard
# library only. Embedded in the nuage binary, written to <data>/runtime.
import importlib
import json
import os
import sys
import time
import traceback
import http.client

HOST, _, PORT = os.environ["AWS_LAMBDA_RUNTIME_API"].partition(":")
API = "/2018-06-01/runtime"
_conn = None


def request(method, path, body=None, headers=None):
    # One kept-alive connection; reopened once if the server closed it.
    global _conn
    for attempt in (0, 1):
        try:
            if _conn is None:
                _conn = http.client.HTTPConnection(HOST, int(PORT))
            _conn.request(method, API + path, body=body, headers=headers or {})
            r = _conn.getresponse()
            return r, r.read()
        except (http.client.HTTPException, OSError):
            _conn = None
            if attempt:
                raise


def post(path, body, headers=None):
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    request("POST", path, data, headers)


def error_doc(e, error_type=None, trace=True):
    stack = traceback.format_list(traceback.extract_tb(e.__traceback__)) if trace else []
    return {"errorMessage": str(e), "errorType": error_type or type(e).__name__,
            "requestId": "", "stackTrace": stack}


def init_error(doc):
    sys.stdout.write("[ERROR] %s: %s\nTraceback (most recent call last):\n%s\n" % (
        doc["errorType"], doc["errorMessage"], "".join(doc["stackTrace"])))
    post("/init/error", doc, {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})
    sys.exit(1)


def load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, func_name = spec.rpartition(".")
    if not module_name:
        init_error({"errorMessage": "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec,
                    "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []})
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        init_error({"errorMessage": "Unable to import module '%s': %s" % (module_name, e),
                    "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []})
    except SyntaxError as e:
        init_error({"errorMessage": "Syntax error in module '%s': %s" % (module_name, e),
                    "errorType": "Runtime.UserCodeSyntaxError", "requestId": "", "stackTrace": []})
    except Exception as e:
        init_error(error_doc(e))
    handler = getattr(module, func_name, None)
    if handler is None:
        init_error({"errorMessage": "Handler '%s' missing on module '%s'" % (func_name, module_name),
                    "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []})
    return handler


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = json.loads(client_context) if client_context else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,function_name=%s," \
               "memory_limit_in_mb=%s,function_version=%s,invoked_function_arn=%s])" % (
                   self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
                   self.memory_limit_in_mb, self.function_version, self.invoked_function_arn)


def main():
    sys.path[:0] = [p for p in ("/opt/python", os.environ.get("LAMBDA_TASK_ROOT", "/var/task")) if p not in sys.path]
    handler = load_handler()
    while True:
        r, body = request("GET", "/invocation/next")
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = int(r.headers.get("Lambda-Runtime-Deadline-Ms", "0"))
        arn = r.headers.get("Lambda-Runtime-Invoked-Function-Arn")
        trace = r.headers.get("Lambda-Runtime-Trace-Id")
        client_context = r.headers.get("Lambda-Runtime-Client-Context")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        context = LambdaContext(request_id, deadline, arn, client_context)
        try:
            event = json.loads(body) if body else {}
            result = handler(event, context)
            out = json.dumps(result).encode()
        except Exception as e:
            doc = error_doc(e)
            doc["requestId"] = request_id
            sys.stdout.write("[ERROR] %s: %s\nTraceback (most recent call last):\n%s" % (
                doc["errorType"], doc["errorMessage"], "".join(doc["stackTrace"])))
            post("/invocation/%s/error" % request_id, doc, {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})
            continue
        post("/invocation/%s/response" % request_id, out)


if __name__ == "__main__":
    main()
