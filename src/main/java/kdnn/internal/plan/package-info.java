/**
 * The planner: a model's graph to an executable plan (fusion passes, layouts, buffers by
 * liveness, derived layers with folded weights). Internal, not exported by module {@code kdnn}.
 */
package kdnn.internal.plan;
