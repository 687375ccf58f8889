package kdnn.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A group's links as HDF5 stores them in the "earliest" format h5py uses: a local heap holding
 * the names, symbol table nodes (SNOD) of at most 2 * 4 entries sorted by name, and a version 1
 * B-tree of group nodes (type 0) over them, with as many levels as 2 * 16 children per node need.
 * Laid out as one block: the B-tree nodes (root first), the heap, the symbol table nodes.
 */
final class Hdf5SymbolTable {
    /** Group leaf node K and internal node K of the superblock: HDF5's defaults. */
    static final int LEAF_K = 4;
    static final int INTERNAL_K = 16;
    private static final int ENTRY = 40;
    private static final int SNOD = 8 + 2 * LEAF_K * ENTRY;
    private static final int BTREE_NODE = 24 + 2 * INTERNAL_K * 8 + (2 * INTERNAL_K + 1) * 8;
    private static final int HEAP_HEADER = 32;
    /** Where the local heap's free list ends (HDF5's H5HL_FREE_NULL): these heaps have no free space. */
    private static final long NO_FREE_BLOCK = 1;
    /** A symbol table entry's cache type: 1 caches a group's B-tree and heap addresses, 0 nothing. */
    private static final int CACHE_GROUP = 1;

    /** A child's object header, and for a group its B-tree and heap (else -1). */
    record Entry(long header, long btree, long heap) {
    }

    private final long[] nameOffsets;
    private final byte[] heapData;
    /** Each SNOD's range of names [from, to). */
    private final List<int[]> snods;
    /** The B-tree's levels, leaves first; each node's range [from, to) of the level below (of SNODs for leaves). */
    private final List<List<int[]>> levels = new ArrayList<>();
    private final int nodes;

    /** @param names the group's link names in {@link Hdf5Tree#LINK_ORDER} */
    Hdf5SymbolTable(List<String> names) {
        Hdf5Bytes heap = new Hdf5Bytes().zeros(8); // offset 0: the empty name, as HDF5 starts every group heap
        nameOffsets = new long[names.size()];
        for (int i = 0; i < names.size(); i++) {
            nameOffsets[i] = heap.size();
            heap.bytes(names.get(i).getBytes(StandardCharsets.UTF_8)).u8(0).pad8();
        }
        heapData = heap.toArray();
        snods = names.isEmpty() ? List.of() : split(names.size(), 2 * LEAF_K); // an empty group has a B-tree, no SNOD
        List<int[]> level = split(snods.size(), 2 * INTERNAL_K);
        levels.add(level);
        while (level.size() > 1) {
            level = split(level.size(), 2 * INTERNAL_K);
            levels.add(level);
        }
        int n = 0;
        for (List<int[]> l : levels) n += l.size();
        nodes = n;
    }

    /** The bytes the B-tree, heap and symbol table nodes take. */
    long size() {
        return (long) nodes * BTREE_NODE + HEAP_HEADER + heapData.length + (long) snods.size() * SNOD;
    }

    /** The B-tree's root at this block's {@code base}. */
    static long btree(long base) {
        return base;
    }

    long heap(long base) {
        return base + (long) nodes * BTREE_NODE;
    }

    private long snod(long base, int i) {
        return heap(base) + HEAP_HEADER + heapData.length + (long) i * SNOD;
    }

    /** The block at {@code base}; {@code entries} are the children's, in name order. */
    byte[] encode(long base, List<Entry> entries) {
        if (entries.size() != nameOffsets.length) throw new IllegalArgumentException("one entry per name");
        Hdf5Bytes b = new Hdf5Bytes();
        // B-tree levels root first: a level's node addresses follow those of the levels above
        long[] levelStart = new long[levels.size()];
        long at = base;
        for (int l = levels.size() - 1; l >= 0; l--) {
            levelStart[l] = at;
            at += (long) levels.get(l).size() * BTREE_NODE;
        }
        for (int l = levels.size() - 1; l >= 0; l--) {
            List<int[]> level = levels.get(l);
            for (int j = 0; j < level.size(); j++) {
                int start = b.size();
                int[] r = level.get(j);
                b.bytes("TREE".getBytes(StandardCharsets.US_ASCII)).u8(0).u8(l).u16(r[1] - r[0]);
                b.u64(j == 0 ? Hdf5Bytes.UNDEFINED : levelStart[l] + (long) (j - 1) * BTREE_NODE);
                b.u64(j + 1 == level.size() ? Hdf5Bytes.UNDEFINED : levelStart[l] + (long) (j + 1) * BTREE_NODE);
                // key i bounds child i from below: the last name of everything left of it (offset 0, "", at the left end)
                int[] span = snodSpan(l, j);
                b.u64(span[0] == 0 ? 0 : lastName(span[0] - 1));
                for (int c = r[0]; c < r[1]; c++) {
                    b.u64(l == 0 ? snod(base, c) : levelStart[l - 1] + (long) c * BTREE_NODE);
                    b.u64(lastName(snodSpan(l - 1, c)[1] - 1));
                }
                b.zeros(BTREE_NODE - (b.size() - start));
            }
        }
        b.bytes("HEAP".getBytes(StandardCharsets.US_ASCII)).u8(0).zeros(3).u64(heapData.length).u64(NO_FREE_BLOCK)
                .u64(heap(base) + HEAP_HEADER).bytes(heapData);
        for (int[] s : snods) {
            int start = b.size();
            b.bytes("SNOD".getBytes(StandardCharsets.US_ASCII)).u8(1).u8(0).u16(s[1] - s[0]);
            for (int i = s[0]; i < s[1]; i++) {
                Entry e = entries.get(i);
                b.u64(nameOffsets[i]).u64(e.header());
                if (e.btree() >= 0) {
                    b.u32(CACHE_GROUP).u32(0).u64(e.btree()).u64(e.heap());
                } else {
                    b.u32(0).u32(0).zeros(16);
                }
            }
            b.zeros(SNOD - (b.size() - start));
        }
        if (b.size() != size()) throw new IllegalStateException("symbol table of " + b.size() + " bytes, " + size() + " planned");
        return b.toArray();
    }

    /** The SNODs [from, to) under node {@code j} of level {@code l} (level -1: SNOD j itself). */
    private int[] snodSpan(int l, int j) {
        if (l < 0) return new int[] {j, j + 1};
        int[] r = levels.get(l).get(j);
        if (r[0] == r[1]) return new int[] {0, 0};
        return new int[] {snodSpan(l - 1, r[0])[0], snodSpan(l - 1, r[1] - 1)[1]};
    }

    /** The heap offset of the last name in SNOD {@code s}. */
    private long lastName(int s) {
        return nameOffsets[snods.get(s)[1] - 1];
    }

    /** {@code n} items in as few parts of at most {@code max} as hold them, sizes differing by one at most (one part when n is 0). */
    static List<int[]> split(int n, int max) {
        int parts = Math.max(1, (n + max - 1) / max);
        List<int[]> out = new ArrayList<>();
        int at = 0;
        for (int p = 0; p < parts; p++) {
            int size = n / parts + (p < n % parts ? 1 : 0);
            out.add(new int[] {at, at + size});
            at += size;
        }
        return out;
    }
}
