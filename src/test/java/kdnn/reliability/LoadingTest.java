package kdnn.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A native library that is missing, unreadable, not oneDNN or the wrong version, or a cache
 * folder that cannot be written, gives one NativeLibraryException that says what was tried.
 * Each case runs in a child JVM: the library loads once per JVM.
 */
class LoadingTest {
    private static final String EXCEPTION = "kdnn.runtime.NativeLibraryException";

    @TempDir
    Path tmp;

    private static String firstLine(ChildJvm.Result r) {
        return r.output().lines().filter(l -> l.startsWith("LOADED") || l.startsWith("FAILED")).findFirst()
                .orElseThrow(() -> new AssertionError("child printed no result:\n" + r.output()));
    }

    private static String probe(String... options) throws Exception {
        return probe(List.of(), options);
    }

    /** Loads the library in a child JVM started through {@code prefix}; returns the child's first line. */
    private static String probe(List<String> prefix, String... options) throws Exception {
        ChildJvm.Result r = ChildJvm.run(prefix, LoadProbe.class, List.of(options));
        assertEquals(0, r.exit(), r.output());
        String line = firstLine(r);
        if (line.startsWith("FAILED")) {
            // the failure is remembered: a second load() fails the same way, it does not half-load
            assertTrue(r.output().contains("SECOND " + EXCEPTION), r.output());
        }
        return line;
    }

    private Path compile(String name, String source) throws Exception {
        Path c = tmp.resolve(name + ".c");
        Files.writeString(c, source);
        Path so = tmp.resolve(name + ".so");
        Process p = new ProcessBuilder("gcc", "-shared", "-fPIC", "-o", so.toString(), c.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "gcc failed: " + out);
        return so;
    }

    @Test
    void theBundledLibraryLoadsIntoAFreshCacheFolder() throws Exception {
        String line = probe("-Dkdnn.cache.dir=" + tmp.resolve("cache"));
        assertTrue(line.startsWith("LOADED 3."), line);
        assertTrue(line.contains(tmp.resolve("cache").toString()), line);
    }

    @Test
    void aMissingLibrarySaysWhichFileAndWhichSetting() throws Exception {
        Path missing = tmp.resolve("nowhere/libdnnl.so.3");
        String line = probe("-Dkdnn.library.path=" + missing);
        assertTrue(line.startsWith("FAILED " + EXCEPTION), line);
        assertTrue(line.contains(missing.toString()) && line.contains("kdnn.library.path"), line);
    }

    @Test
    void aFileThatIsNotALibrarySaysSo() throws Exception {
        Path junk = tmp.resolve("libdnnl.so.3");
        Files.writeString(junk, "not an ELF file");
        String line = probe("-Dkdnn.library.path=" + junk);
        assertTrue(line.startsWith("FAILED " + EXCEPTION), line);
        assertTrue(line.contains(junk.toString()) && line.contains("kdnn.library.path") && line.contains("shared library"), line);
    }

    @Test
    void anUnreadableLibrarySaysSo() throws Exception {
        Path lib = compile("unreadable", "int x = 1;\n");
        Files.setPosixFilePermissions(lib, java.util.Set.of());
        List<String> prefix = List.of();
        if (Files.isReadable(lib)) {
            // root reads past permissions: the child runs without that capability
            prefix = ChildJvm.withoutFilePermissionOverride();
            org.junit.jupiter.api.Assumptions.assumeTrue(prefix != null, "running as root without setpriv");
        }
        String line = probe(prefix, "-Dkdnn.library.path=" + lib);
        assertTrue(line.startsWith("FAILED " + EXCEPTION) && line.contains("not readable") && line.contains(lib.toString()), line);
    }

    @Test
    void aLibraryWithoutDnnlVersionIsNotOneDnn() throws Exception {
        Path lib = compile("other", "int something_else(void) { return 1; }\n");
        String line = probe("-Dkdnn.library.path=" + lib);
        assertTrue(line.startsWith("FAILED " + EXCEPTION) && line.contains("dnnl_version") && line.contains(lib.toString()), line);
    }

    @Test
    void aWrongVersionSaysWhichVersionWasFoundAndWhichIsNeeded() throws Exception {
        Path lib = compile("dnnl2", """
                typedef struct { int major, minor, patch; const char *hash; unsigned cpu_runtime, gpu_runtime; } v_t;
                static const v_t v = {2, 7, 5, "fake", 2, 0};
                const v_t *dnnl_version(void) { return &v; }
                """);
        String line = probe("-Dkdnn.library.path=" + lib);
        assertTrue(line.startsWith("FAILED " + EXCEPTION), line);
        assertTrue(line.contains("2.7.5") && line.contains("3.x") && line.contains(lib.toString()) && line.contains("kdnn.library.path"), line);
    }

    @Test
    void aCacheFolderThatCannotBeCreatedSaysWhereAndHowToChangeIt() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path cache = file.resolve("cache"); // under a regular file: cannot exist, even for root
        String line = probe("-Dkdnn.cache.dir=" + cache);
        assertTrue(line.startsWith("FAILED " + EXCEPTION), line);
        assertTrue(line.contains(cache.toString()) && line.contains("kdnn.cache.dir") && line.contains("kdnn.library.path"), line);
    }

    @Test
    void aReadOnlyCacheFolderSaysWhereAndHowToChangeIt() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("ro"));
        Files.setPosixFilePermissions(cache, java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE));
        List<String> prefix = List.of();
        if (Files.isWritable(cache)) {
            // root writes past permissions: the child runs without that capability
            prefix = ChildJvm.withoutFilePermissionOverride();
            org.junit.jupiter.api.Assumptions.assumeTrue(prefix != null, "running as root without setpriv");
        }
        String line = probe(prefix, "-Dkdnn.cache.dir=" + cache);
        assertTrue(line.startsWith("FAILED " + EXCEPTION), line);
        assertTrue(line.contains(cache.toString()) && line.contains("kdnn.cache.dir"), line);
    }
}
