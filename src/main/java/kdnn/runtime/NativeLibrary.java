package kdnn.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Finds and loads libdnnl.so.3 once per JVM.
 *
 * <p>By default the library (and the libgomp it was linked against) is taken from the
 * {@code org.bytedeco:dnnl} jar on the class path, copied to a per-user cache folder named by
 * the content hash, and loaded from there. {@code -Dkdnn.library.path=FILE} or
 * {@code KDNN_LIBRARY_PATH=FILE} names another oneDNN 3.x library instead.
 */
public final class NativeLibrary {
    static final String RESOURCE_DIR = "org/bytedeco/dnnl/linux-x86_64/";
    static final List<String> BUNDLED_FILES = List.of("libdnnl.so.3", "libgomp.so.1");
    static final int REQUIRED_MAJOR = 3;

    /** What was loaded: the file, its symbols and the version it reported. */
    public record Loaded(Path file, SymbolLookup lookup, int major, int minor, int patch, String hash, int cpuRuntime) {
        public String version() {
            return major + "." + minor + "." + patch;
        }
    }

    private static volatile Loaded loaded;

    private NativeLibrary() {
    }

    /** The symbols of the loaded library; loads it on first use. */
    public static SymbolLookup lookup() {
        return load().lookup();
    }

    /** Loads the library (once) and returns what was loaded. */
    public static Loaded load() {
        Loaded l = loaded;
        if (l == null) {
            synchronized (NativeLibrary.class) {
                l = loaded;
                if (l == null) {
                    l = loadNow();
                    loaded = l;
                }
            }
        }
        return l;
    }

    private static Loaded loadNow() {
        ProcessSetting override = ProcessSetting.read("kdnn.library.path", "KDNN_LIBRARY_PATH");
        String how = override.from();
        Path file;
        if (override.given()) {
            file = Path.of(override.value()).toAbsolutePath();
            if (!Files.isRegularFile(file)) {
                throw new NativeLibraryException("oneDNN library named by " + how + " does not exist or is not a file: " + file);
            }
            if (!Files.isReadable(file)) {
                throw new NativeLibraryException("oneDNN library named by " + how + " is not readable: " + file);
            }
        } else {
            file = extractBundled().resolve(BUNDLED_FILES.get(0));
            how = "the bundled copy from org.bytedeco:dnnl, extracted to the kdnn cache folder (-Dkdnn.cache.dir, KDNN_CACHE_DIR)";
        }
        SymbolLookup lookup;
        try {
            // a global arena: the library stays loaded for the life of the JVM
            lookup = SymbolLookup.libraryLookup(file, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new NativeLibraryException("cannot load oneDNN library " + file + " (named by " + how + "): the dynamic"
                    + " linker refused it (" + e.getMessage() + "); it must be a Linux x86-64 shared library of oneDNN 3.x"
                    + " whose dependencies (e.g. libgomp.so.1) are found beside it or on the loader path", e);
        }
        try {
            return checkVersion(file, lookup);
        } catch (NativeLibraryException e) {
            throw new NativeLibraryException(e.getMessage() + " (library named by " + how + ")", e.getCause());
        }
    }

    private static Loaded checkVersion(Path file, SymbolLookup lookup) {
        MemorySegment fn = lookup.find("dnnl_version").orElseThrow(() -> new NativeLibraryException(
                "library " + file + " has no symbol dnnl_version: it is not oneDNN " + REQUIRED_MAJOR + ".x"));
        MemorySegment v;
        try {
            // not through dnnl_h: its class initialisation is what called us
            v = (MemorySegment) Linker.nativeLinker()
                    .downcallHandle(fn, FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
        } catch (Throwable t) {
            throw new NativeLibraryException("dnnl_version() failed in " + file, t);
        }
        v = v.reinterpret(32);
        int major = v.get(ValueLayout.JAVA_INT, 0);
        int minor = v.get(ValueLayout.JAVA_INT, 4);
        int patch = v.get(ValueLayout.JAVA_INT, 8);
        MemorySegment hashPtr = v.get(ValueLayout.ADDRESS, 16);
        String hash = hashPtr.equals(MemorySegment.NULL) ? "" : hashPtr.reinterpret(256).getString(0);
        int cpuRuntime = v.get(ValueLayout.JAVA_INT, 24);
        if (major != REQUIRED_MAJOR) {
            throw new NativeLibraryException("oneDNN " + major + "." + minor + "." + patch + " found in " + file
                    + ", but kdnn needs oneDNN " + REQUIRED_MAJOR + ".x");
        }
        return new Loaded(file, lookup, major, minor, patch, hash, cpuRuntime);
    }

    /** Copies the bundled libraries into the cache (once per content) and returns that folder. */
    private static Path extractBundled() {
        ClassLoader cl = NativeLibrary.class.getClassLoader();
        String key = contentKey(cl);
        Path root = cacheRoot();
        Path dir = root.resolve("dnnl-" + key);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new NativeLibraryException("cannot create the kdnn cache folder " + dir
                    + " (set -Dkdnn.cache.dir or KDNN_CACHE_DIR to a writable folder, or name a library with"
                    + " -Dkdnn.library.path): " + e, e);
        }
        for (String name : BUNDLED_FILES) {
            Path target = dir.resolve(name);
            if (Files.isRegularFile(target)) {
                continue;
            }
            Path tmp = null;
            try (InputStream in = open(cl, name)) {
                // several JVMs may extract at once: write a private file, then rename it into place
                tmp = Files.createTempFile(dir, name + ".", ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target);
                }
            } catch (FileAlreadyExistsException e) {
                // another JVM won the race with identical content
            } catch (AccessDeniedException e) {
                throw new NativeLibraryException("cannot write to the kdnn cache folder " + dir
                        + " (set -Dkdnn.cache.dir or KDNN_CACHE_DIR to a writable folder): " + e, e);
            } catch (IOException e) {
                throw new NativeLibraryException("cannot extract " + RESOURCE_DIR + name + " to " + dir + ": " + e, e);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // a stray temporary file is harmless
                    }
                }
            }
        }
        return dir;
    }

    static Path cacheRoot() {
        String dir = System.getProperty("kdnn.cache.dir");
        if (dir == null || dir.isBlank()) {
            dir = System.getenv("KDNN_CACHE_DIR");
        }
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).toAbsolutePath();
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("kdnn").toAbsolutePath();
    }

    private static InputStream open(ClassLoader cl, String name) throws IOException {
        URL url = cl.getResource(RESOURCE_DIR + name);
        if (url == null) {
            throw new NativeLibraryException("resource " + RESOURCE_DIR + name + " is not on the class path:"
                    + " add org.bytedeco:dnnl:3.13-1.5.14:linux-x86_64, or name a oneDNN 3.x library with"
                    + " -Dkdnn.library.path or KDNN_LIBRARY_PATH");
        }
        return url.openStream();
    }

    /**
     * A short hash of the bundled files' content. Inside a jar the entries' CRC-32 and sizes are
     * read from the jar's directory, so nothing is decompressed; otherwise the bytes are hashed.
     */
    private static String contentKey(ClassLoader cl) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String name : BUNDLED_FILES) {
                URL url = cl.getResource(RESOURCE_DIR + name);
                if (url == null) {
                    open(cl, name); // throws the explanatory exception
                }
                URLConnection conn = url.openConnection();
                if (conn instanceof JarURLConnection jar && jar.getJarEntry().getCrc() != -1) {
                    conn.setUseCaches(false);
                    sha.update((name + ":" + jar.getJarEntry().getCrc() + ":" + jar.getJarEntry().getSize() + ";").getBytes());
                } else {
                    try (InputStream in = new DigestInputStream(conn.getInputStream(), sha)) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        } catch (IOException e) {
            throw new NativeLibraryException("cannot read the bundled oneDNN library from the class path: " + e, e);
        }
    }
}
