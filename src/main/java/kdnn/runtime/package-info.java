/**
 * The oneDNN runtime: library loading, checked native calls, memory descriptors, primitives and
 * pipelines, threads. Internal, not exported by module {@code kdnn}.
 */
package kdnn.runtime;
