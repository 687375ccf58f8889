package kdnn.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Large freed blocks are reused (no fresh pages to fault in) and the cache stays bounded. */
class NativeMemoryTest {
    @Test
    void aFreedLargeBlockServesTheNextAllocationOfItsSize() {
        long bytes = (3L << 20) + 12_345 * 64; // a size nothing else running allocates: the cache is shared
        MemorySegment a = NativeMemory.allocate(bytes, 64);
        long address = a.address();
        NativeMemory.free(a);
        MemorySegment b = NativeMemory.allocate(bytes, 64);
        assertEquals(address, b.address());
        assertEquals(bytes, b.byteSize());
        assertEquals(0, b.address() % 64);
        NativeMemory.free(b);
    }

    @Test
    void aNewlyFreedBlockReplacesOnesNobodyAsksFor() {
        List<MemorySegment> others = new ArrayList<>();
        for (int i = 0; i < NativeMemory.CACHE_SLOTS; i++) others.add(NativeMemory.allocate((2L << 20) + i * 4096L, 64));
        others.forEach(NativeMemory::free); // the cache is full of sizes nothing asks for below
        long bytes = (5L << 20) + 777 * 64;
        MemorySegment a = NativeMemory.allocate(bytes, 64);
        long address = a.address();
        NativeMemory.free(a);
        MemorySegment b = NativeMemory.allocate(bytes, 64);
        assertEquals(address, b.address(), "the new block was kept, an old one let go");
        NativeMemory.free(b);
        assertTrue(NativeMemory.cachedBytes() <= NativeMemory.CACHE_BYTES);
    }

    @Test
    void theCacheHoldsAtMostItsBudget() {
        List<MemorySegment> blocks = new ArrayList<>();
        for (int i = 0; i < 3 * NativeMemory.CACHE_SLOTS; i++) {
            blocks.add(NativeMemory.allocate((40L << 20) + i * 4096L, 64));
        }
        blocks.forEach(NativeMemory::free);
        long cached = NativeMemory.cachedBytes();
        assertTrue(cached <= NativeMemory.CACHE_BYTES, "cache holds " + cached + " bytes");
        assertTrue(cached > 0, "large blocks should be cached");
    }
}
