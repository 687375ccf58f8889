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
