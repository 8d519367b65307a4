package io.dragon.it.api;

import io.dragon.DragonException;
import io.dragon.ObjectNotFoundException;
import io.dragon.Process;
import io.dragon.SharedByteArray;
import io.dragon.SharedDoubleArray;
import io.dragon.SharedIntArray;
import io.dragon.SharedLongArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Shared arrays of longs, bytes, ints and doubles: one memory, atomic updates from several processes. */
public final class SharedArrayChecks extends Checks {
    public static void main(String[] args) {
        new SharedArrayChecks().run();
    }

    private void run() {
        check("getAndAdd from 4 processes loses no update; compareAndSet and set are seen everywhere", () -> {
            SharedLongArray array = SharedLongArray.create("numbers", 3);
            array.set(2, 41);
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                processes.add(Process.start(() -> {
                    SharedLongArray found = SharedLongArray.lookup("numbers");
                    for (int i = 0; i < 10_000; i++) {
                        found.getAndAdd(0, 1);
                    }
                    found.compareAndSet(2, 41, 42);
                    long seen;
                    do {
                        seen = found.get(1);
                    } while (!found.compareAndSet(1, seen, seen + 1));
                }));
            }
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code");
            }
            expectEquals(40_000L, array.get(0), "added");
            expectEquals(4L, array.get(1), "compare-and-set loop");
            expectEquals(42L, array.get(2), "set once");
            expectThrows(IndexOutOfBoundsException.class, () -> array.get(3));
            array.destroy();
        });
        check("byte arrays: bulk copies and atomic bytes across processes", () -> {
            SharedByteArray bytes = SharedByteArray.create(10);
            bytes.put(0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, 10);
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                processes.add(Process.start(() -> {
                    for (int i = 0; i < 100; i++) {
                        bytes.getAndAdd(5, (byte) 1);
                    }
                }));
            }
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code");
            }
            byte[] back = new byte[10];
            bytes.get(0, back, 0, 10);
            expectEquals((byte) (6 + 400), back[5], "byte 5 after 400 atomic increments (wrapping)");
            expectEquals((byte) 5, back[4], "its neighbour untouched");
            expectEquals((byte) 7, back[6], "its other neighbour untouched");
            expect(bytes.compareAndSet(0, (byte) 1, (byte) 9) && bytes.get(0) == 9, "compareAndSet");
            expect(!bytes.compareAndSet(0, (byte) 1, (byte) 3), "a failing compareAndSet");
            expectThrows(IndexOutOfBoundsException.class, () -> {
                bytes.get(5, back, 0, 6);
                return null;
            });
            bytes.destroy();
        });
        check("int and double arrays: named, looked up, atomic from 4 processes, bulk copies", () -> {
            SharedIntArray ints = SharedIntArray.create("int-numbers", 2);
            SharedDoubleArray doubles = SharedDoubleArray.create("double-numbers", 2);
            doubles.put(0, new double[] {0.5, -0.0}, 0, 2);
            List<Process> processes = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                processes.add(Process.start(() -> {
                    SharedIntArray foundInts = SharedIntArray.lookup("int-numbers");
                    SharedDoubleArray foundDoubles = SharedDoubleArray.lookup("double-numbers");
                    for (int i = 0; i < 10_000; i++) {
                        foundInts.incrementAndGet(0);
                        foundDoubles.getAndAdd(0, 1.0);
                    }
                    foundInts.getAndAdd(1, -1);
                }));
            }
            for (Process process : processes) {
                expectEquals(0, process.join(), "exit code");
            }
            int[] counts = new int[2];
            ints.get(0, counts, 0, 2);
            expectEquals("[40000, -4]", Arrays.toString(counts), "the ints after 4 processes");
            expectEquals(40_000.5, doubles.get(0), "the double after 40000 atomic additions");
            expect(!doubles.compareAndSet(1, 0.0, 1.0), "-0.0 not to compare equal to 0.0");
            expectThrows(DragonException.class, () -> SharedIntArray.lookup("double-numbers"));
            ints.destroy();
            doubles.destroy();
            expectThrows(ObjectNotFoundException.class, () -> SharedDoubleArray.lookup("double-numbers"));
        });
        finish();
    }
}
