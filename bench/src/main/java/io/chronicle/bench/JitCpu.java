package io.chronicle.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The CPU time this JVM's JIT compiler threads have used since the meter was made, read from
 * {@code /proc/self/task}. A benchmark run of seconds pays for compiling the code it runs, which a
 * job running for months does not; reported beside the process's CPU, it tells the two apart. The
 * compiler threads come and go, so each reading adds what every compiler thread used since the
 * last one; a thread's CPU after the last reading before it ends is not counted.
 */
final class JitCpu {

    private static final Path TASKS = Path.of("/proc/self/task");
    /** HotSpot's C1 and C2 compiler threads, as the kernel shortens their names. */
    private static final String C1 = "C1 CompilerThre";
    private static final String C2 = "C2 CompilerThre";
    /** The kernel's clock tick for the CPU times in {@code stat}: USER_HZ, 100 on Linux. */
    private static final double TICKS_PER_SECOND = 100;

    private final Path tasks;
    /** Every thread seen, with whether it compiles; a thread's name is read once. */
    private final Map<String, Boolean> compiles = new HashMap<>();
    private final Map<String, Long> lastTicks = new HashMap<>();
    private long ticks;
    private boolean firstReading = true;
    private final boolean available;

    JitCpu() {
        this(TASKS);
    }

    JitCpu(Path tasks) {
        this.tasks = tasks;
        this.available = Files.isDirectory(tasks) && read();
    }

    /** The compiler threads' CPU seconds since this meter was made; NaN without {@code /proc}. */
    synchronized double seconds() {
        if (!available || !read()) {
            return Double.NaN;
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** Adds what each compiler thread used since the last reading; false if /proc cannot be read. */
    private boolean read() {
        Set<String> live = new HashSet<>();
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                String tid = thread.getFileName().toString();
                try {
                    live.add(tid);
                    if (!compiles.computeIfAbsent(tid, id -> isCompiler(thread))) {
                        continue;
                    }
                    long now = cpuTicks(thread);
                    Long before = lastTicks.put(tid, now);
                    if (before != null) {
                        ticks += now - before;
                    } else if (!firstReading) {
                        ticks += now; // started since the last reading
                    }
                } catch (UncheckedIOException gone) {
                    // The thread ended while being read.
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
        compiles.keySet().retainAll(live);
        lastTicks.keySet().retainAll(live);
        firstReading = false;
        return true;
    }

    private static boolean isCompiler(Path thread) {
        try {
            // Read by lines: a /proc file reports size 0, and a read sized by it stops early.
            String name = String.join("", Files.readAllLines(thread.resolve("comm"))).strip();
            return name.startsWith(C1) || name.startsWith(C2);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** User plus system time, fields 14 and 15 of {@code stat}, counted after the name's ')'. */
    private static long cpuTicks(Path thread) {
        try {
            String stat = String.join("", Files.readAllLines(thread.resolve("stat")));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
