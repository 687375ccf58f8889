package kdnn.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The sizes of the CPU's data caches, as Linux describes cpu0's in sysfs, read once: the planner
 * sizes batch slices by them and the thread policy decides which predictions may run side by side.
 */
public final class CpuCaches {
    private static final long[] BY_LEVEL = read(); // index: level; 0 where unknown

    private CpuCaches() {
    }

    /** The data (or unified) cache of this level, in bytes; 0 where it is unknown (not Linux). */
    public static long bytes(int level) {
        return level >= 0 && level < BY_LEVEL.length ? BY_LEVEL[level] : 0;
    }

    /** The largest data cache, in bytes; 0 where none is known. */
    public static long lastLevel() {
        long largest = 0;
        for (long b : BY_LEVEL) largest = Math.max(largest, b);
        return largest;
    }

    /** A size in sysfs' forms: "32768K", "1M", "512". */
    static long parseSize(String s) {
        String t = s.trim().toUpperCase(Locale.ROOT);
        char unit = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        long scale = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        return Long.parseLong(scale == 1 ? t : t.substring(0, t.length() - 1)) * scale;
    }

    private static long[] read() {
        long[] sizes = new long[5];
        for (int index = 0; index < 8; index++) {
            Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index);
            try {
                if (!Files.isDirectory(dir)) break;
                int level = Integer.parseInt(Files.readString(dir.resolve("level")).trim());
                if (level < 0 || level >= sizes.length) continue;
                if (Files.readString(dir.resolve("type")).trim().equals("Instruction")) continue;
                sizes[level] = parseSize(Files.readString(dir.resolve("size")));
            } catch (IOException | RuntimeException e) {
                return new long[sizes.length]; // unreadable: nothing known
            }
        }
        return sizes;
    }
}
