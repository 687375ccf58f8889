package kdnn.io;

import java.util.Arrays;

/** A growing little-endian byte buffer: HDF5 stores every number little-endian. */
final class Hdf5Bytes {
    /** HDF5's undefined address (all bits set). */
    static final long UNDEFINED = -1L;

    private byte[] bytes = new byte[64];
    private int size;

    Hdf5Bytes u8(int v) {
        ensure(1);
        bytes[size++] = (byte) v;
        return this;
    }

    Hdf5Bytes u16(int v) {
        if (v < 0 || v > 0xffff) throw new IllegalArgumentException("HDF5 field of 2 bytes cannot hold " + v);
        return u8(v).u8(v >>> 8);
    }

    Hdf5Bytes u32(long v) {
        if (v < 0 || v > 0xffffffffL) throw new IllegalArgumentException("HDF5 field of 4 bytes cannot hold " + v);
        for (int i = 0; i < 4; i++) u8((int) (v >>> (8 * i)));
        return this;
    }

    /** An address or length (8 bytes in the files this writer makes). */
    Hdf5Bytes u64(long v) {
        for (int i = 0; i < 8; i++) u8((int) (v >>> (8 * i)));
        return this;
    }

    Hdf5Bytes bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
        return this;
    }

    Hdf5Bytes zeros(int n) {
        ensure(n);
        size += n; // the array is zeroed when grown
        return this;
    }

    /** Zeros up to the next multiple of 8, as HDF5 aligns messages, heap objects and names. */
    Hdf5Bytes pad8() {
        return zeros(align8(size) - size);
    }

    int size() {
        return size;
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, size);
    }

    static int align8(int n) {
        return (n + 7) & ~7;
    }

    private void ensure(int n) {
        if (size + n > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
    }
}
