/**
 * kdnn: Keras layers and models on the JVM, executed by oneDNN through the FFM API.
 *
 * <p>Exports the API packages only: {@link kdnn} (tensors), {@link kdnn.layers}, {@link kdnn.keras},
 * {@link kdnn.model} and {@link kdnn.io}. The oneDNN runtime, its bindings, the planner and the
 * command line are internal. kdnn calls native code: run with {@code --enable-native-access=kdnn}
 * (on the module path) or {@code --enable-native-access=ALL-UNNAMED} (on the class path). oneDNN's
 * jar ({@code org.bytedeco:dnnl}, classifier {@code linux-x86_64}) holds only the native library
 * kdnn extracts; keep it on the class path, where its own module descriptor (which needs JavaCPP)
 * does not apply.
 */
@SuppressWarnings("requires-automatic") // jHDF has no module descriptor, only an Automatic-Module-Name
module kdnn {
    // configs are Jackson trees in the API (Layers.fromConfig, getConfig)
    requires transitive com.fasterxml.jackson.databind;
    requires io.jhdf;
    // compile-time only: the tests patched into this module measure allocations per thread
    requires static jdk.management;

    exports kdnn;
    exports kdnn.layers;
    exports kdnn.keras;
    exports kdnn.model;
    exports kdnn.io;
}
