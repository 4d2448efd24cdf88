/**
 * `/v1/metrics` answers shaped like real KES servers' (kes-api.md §8.2): the families, types,
 * labels and buckets KES registers, in the Go client's formatting (exponent floats, HELP
 * before TYPE, families sorted by name). For parser and `kes metric` tests.
 */

/** A KES 2023 server after 7 requests: 5 × 200, 1 × 404, 1 × 403, nothing 5xx yet. */
export const KES_2023_METRICS = `# HELP kes_http_request_active Requests in progress.
# TYPE kes_http_request_active gauge
kes_http_request_active 1
# HELP kes_http_request_error Requests answered with a 4xx status.
# TYPE kes_http_request_error counter
kes_http_request_error{code="403"} 1
kes_http_request_error{code="404"} 1
# HELP kes_http_request_failure Requests answered with a 5xx status.
# TYPE kes_http_request_failure counter
# HELP kes_http_request_success Requests answered with a 2xx status.
# TYPE kes_http_request_success counter
kes_http_request_success{code="200"} 5
# HELP kes_http_response_time Seconds until the response headers were written.
# TYPE kes_http_response_time histogram
kes_http_response_time_bucket{le="0.01"} 6
kes_http_response_time_bucket{le="0.05"} 6
kes_http_response_time_bucket{le="0.1"} 7
kes_http_response_time_bucket{le="0.25"} 7
kes_http_response_time_bucket{le="0.5"} 7
kes_http_response_time_bucket{le="1"} 7
kes_http_response_time_bucket{le="1.5"} 7
kes_http_response_time_bucket{le="3"} 7
kes_http_response_time_bucket{le="5"} 7
kes_http_response_time_bucket{le="10"} 7
kes_http_response_time_bucket{le="+Inf"} 7
kes_http_response_time_sum 0.0853196
kes_http_response_time_count 7
# HELP kes_log_audit_events Audit events written.
# TYPE kes_log_audit_events counter
kes_log_audit_events 6
# HELP kes_log_error_events Error log events written.
# TYPE kes_log_error_events counter
kes_log_error_events 0
# HELP kes_system_mem_heap_objects Objects on the heap.
# TYPE kes_system_mem_heap_objects gauge
kes_system_mem_heap_objects 13421
# HELP kes_system_mem_heap_used Heap bytes in use.
# TYPE kes_system_mem_heap_used gauge
kes_system_mem_heap_used 2.744e+06
# HELP kes_system_mem_stack_used Stack bytes in use.
# TYPE kes_system_mem_stack_used gauge
kes_system_mem_stack_used 688128
# HELP kes_system_num_cpu Logical CPUs of the machine.
# TYPE kes_system_num_cpu gauge
kes_system_num_cpu 2
# HELP kes_system_num_cpu_used Logical CPUs the server may use.
# TYPE kes_system_num_cpu_used gauge
kes_system_num_cpu_used 2
# HELP kes_system_num_threads Threads (goroutines) running.
# TYPE kes_system_num_threads gauge
kes_system_num_threads 14
# HELP kes_system_up_time Seconds since the server started.
# TYPE kes_system_up_time gauge
kes_system_up_time 3725.31
`;

/** The same server a sample later (rates: +10 successes, +2 failures, 4 more seconds). */
export const KES_2023_METRICS_LATER = KES_2023_METRICS.replace(
  'kes_http_request_success{code="200"} 5',
  'kes_http_request_success{code="200"} 15',
)
  .replace(
    "# TYPE kes_http_request_failure counter\n",
    '# TYPE kes_http_request_failure counter\nkes_http_request_failure{code="502"} 2\n',
  )
  .replace(
    'kes_http_response_time_bucket{le="0.01"} 6',
    'kes_http_response_time_bucket{le="0.01"} 16',
  )
  .replace(
    /kes_http_response_time_bucket\{le="([^"]+)"\} 7/g,
    'kes_http_response_time_bucket{le="$1"} 19',
  )
  .replace("kes_http_response_time_count 7", "kes_http_response_time_count 19")
  .replace("kes_system_up_time 3725.31", "kes_system_up_time 3729.31");

/**
 * What a prom-client registry writes for the same families, plus metrics of our own
 * (`kes_ts_*`) and Node's defaults, which a KES reader must skip.
 */
export const PROM_CLIENT_METRICS = `# HELP kes_http_request_success Requests answered with a 2xx status.
# TYPE kes_http_request_success counter
kes_http_request_success{code="200"} 3

# HELP kes_http_request_error Requests answered with a 4xx status.
# TYPE kes_http_request_error counter

# HELP kes_http_request_failure Requests answered with a 5xx status.
# TYPE kes_http_request_failure counter

# HELP kes_http_request_active Requests in progress.
# TYPE kes_http_request_active gauge
kes_http_request_active 0

# HELP kes_http_response_time Seconds until the response headers were written.
# TYPE kes_http_response_time histogram
kes_http_response_time_bucket{le="0.01"} 3
kes_http_response_time_bucket{le="0.05"} 3
kes_http_response_time_bucket{le="0.1"} 3
kes_http_response_time_bucket{le="0.25"} 3
kes_http_response_time_bucket{le="0.5"} 3
kes_http_response_time_bucket{le="1"} 3
kes_http_response_time_bucket{le="1.5"} 3
kes_http_response_time_bucket{le="3"} 3
kes_http_response_time_bucket{le="5"} 3
kes_http_response_time_bucket{le="10"} 3
kes_http_response_time_bucket{le="+Inf"} 3
kes_http_response_time_sum 0.004
kes_http_response_time_count 3

# HELP kes_system_up_time Seconds since the server started.
# TYPE kes_system_up_time gauge
kes_system_up_time 12.5

# HELP kes_ts_grpc_client_duration_seconds gRPC call latency of the gateway's clients.
# TYPE kes_ts_grpc_client_duration_seconds histogram
kes_ts_grpc_client_duration_seconds_bucket{le="0.005",service="crypto",method="Generate"} 2
kes_ts_grpc_client_duration_seconds_bucket{le="+Inf",service="crypto",method="Generate"} 2
kes_ts_grpc_client_duration_seconds_sum{service="crypto",method="Generate"} 0.002
kes_ts_grpc_client_duration_seconds_count{service="crypto",method="Generate"} 2

# HELP kes_ts_keystore_calls_total Keystore calls.
# TYPE kes_ts_keystore_calls_total counter
kes_ts_keystore_calls_total{op="get",backend="memory"} 4
`;
