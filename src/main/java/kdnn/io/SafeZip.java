package kdnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reads chosen members of a zip without trusting it: entry names that would leave the archive
 * ("..", absolute paths) and duplicate names are refused; a member whose declared size exceeds
 * its cap, or is implausible for its compressed size, is refused before it is inflated; and the
 * bytes actually inflated are counted, so a member that inflates beyond what it declared (or
 * beyond its cap, or the archive beyond its total cap) is refused as soon as it does.
 */
final class SafeZip {
    /** Deflate cannot shrink data by more than about 1032:1. */
    private static final long MAX_DEFLATE_RATIO = 1100;

    private SafeZip() {
    }

    /**
     * The members named in {@code caps} (name to the most bytes it may inflate to) that the zip
     * holds; the others are read through (counted against {@code totalCap}) and dropped.
     */
    static Map<String, byte[]> read(InputStream in, String file, Map<String, Long> caps, long totalCap) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                String name = e.getName();
                checkName(file, name);
                if (!seen.add(name)) {
                    throw new ModelFileException(file + ": the zip holds member \"" + name + "\" twice");
                }
                Long cap = caps.get(name);
                long limit = cap == null ? totalCap - total : Math.min(cap, totalCap - total);
                checkDeclaredSize(file, e, limit);
                long declared = e.getSize();
                byte[] bytes = inflate(zip, file, name, declared >= 0 ? Math.min(declared, limit) : limit, declared,
                        cap != null);
                total += bytes == null ? 0 : bytes.length;
                if (cap != null) {
                    out.put(name, bytes);
                }
            }
        } catch (ZipException | IllegalArgumentException e) {
            if (e instanceof ModelFileException m) throw m;
            throw new ModelFileException(file + ": not a readable zip (truncated or corrupted?): " + e.getMessage(), e);
        } catch (java.io.EOFException e) {
            throw new ModelFileException(file + ": the zip ends early (truncated?)", e);
        }
        return out;
    }

    private static void checkName(String file, String name) {
        String n = name.replace('\\', '/');
        boolean escapes = n.startsWith("/") || n.matches("^[A-Za-z]:.*") || n.indexOf('\0') >= 0;
        for (String part : n.split("/")) {
            if (part.equals("..")) escapes = true;
        }
        if (escapes) {
            throw new ModelFileException(file + ": the zip has an entry named \"" + name + "\", which would leave the"
                    + " archive (absolute or with \"..\")");
        }
    }

    private static void checkDeclaredSize(String file, ZipEntry e, long limit) {
        long size = e.getSize();
        long compressed = e.getCompressedSize();
        if (size > limit) {
            throw new ModelFileException(file + ": zip member \"" + e.getName() + "\" declares " + size
                    + " bytes uncompressed, more than the " + limit + " kdnn allows it");
        }
        if (size >= 0 && compressed >= 0) {
            boolean stored = e.getMethod() == ZipEntry.STORED;
            if (stored ? size != compressed : size > compressed * MAX_DEFLATE_RATIO + 1024) {
                throw new ModelFileException(file + ": zip member \"" + e.getName() + "\" declares " + size
                        + " bytes from " + compressed + " compressed, which is implausible (a zip bomb?)");
            }
        }
    }

    /** Bytes read at a time: memory follows what the member really holds, never what it declares. */
    private static final int CHUNK = 16 << 20;

    /** The member's bytes (null when not kept), refusing as soon as more than {@code limit} come out. */
    private static byte[] inflate(ZipInputStream zip, String file, String name, long limit, long declared, boolean keep)
            throws IOException {
        // chunks, then one copy into the result: a growing buffer would copy a 100 MB member five times over
        List<byte[]> chunks = new ArrayList<>();
        long n = 0;
        while (true) {
            byte[] chunk = new byte[(int) Math.min(CHUNK, limit - n + 1)];
            int r = zip.readNBytes(chunk, 0, chunk.length);
            n += r;
            if (n > limit) {
                throw new ModelFileException(file + ": zip member \"" + name + "\" inflates to more than "
                        + (declared >= 0 && declared <= limit ? "the " + declared + " bytes it declares" : limit + " bytes, the most kdnn allows it")
                        + " (a zip bomb?)");
            }
            if (keep && r > 0) chunks.add(r == chunk.length ? chunk : Arrays.copyOf(chunk, r));
            if (r < chunk.length) break;
        }
        if (declared >= 0 && n != declared) {
            throw new ModelFileException(file + ": zip member \"" + name + "\" holds " + n + " bytes, but declares "
                    + declared + " (truncated?)");
        }
        if (!keep) return null;
        if (chunks.size() == 1) return chunks.get(0);
        byte[] all = new byte[(int) n];
        int at = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, all, at, c.length);
            at += c.length;
        }
        return all;
    }
}
