// Counts the calls the server has open, from the moment a call arrives (before its request
// has even been read) until its status is sent or the client cancels it. A graceful shutdown
// needs this: grpc-js's tryShutdown callback can come late or never when a client dropped its
// connection just before (grpc-node issue 1458), so the server cannot rely on it alone to
// know when the last call has finished.

import { ServerInterceptingCall } from "@grpc/grpc-js";

export function openCalls() {
  const calls = {
    count: 0,
    /** A grpc-js server interceptor: `new Server({ interceptors: [calls.interceptor] })`. */
    interceptor(_method, call) {
      calls.count++;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        calls.count--;
      };
      return new ServerInterceptingCall(call, {
        start: (next) => next({ onCancel: finish }),
        sendStatus: (status, next) => {
          finish();
          next(status);
        },
      });
    },
  };
  return calls;
}
