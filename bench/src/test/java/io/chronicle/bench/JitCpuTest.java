package io.chronicle.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JitCpuTest {

    @TempDir
    Path tasks;

    /** A thread as /proc shows it: its name, and user and system ticks in fields 14 and 15. */
    private void thread(int tid, String name, long userTicks, long systemTicks) throws IOException {
        Path dir = Files.createDirectories(tasks.resolve(Integer.toString(tid)));
        Files.writeString(dir.resolve("comm"), name + "\n");
        Files.writeString(dir.resolve("stat"), tid + " (" + name + ") S 1 1 1 0 -1 4194368 10 0 0 0 "
                + userTicks + " " + systemTicks + " 0 0 20 0 1 0 500 0 0\n");
    }

    @Test
    void countsWhatTheCompilerThreadsUsedSinceTheMeterWasMade() throws IOException {
        thread(11, "C2 CompilerThre", 500, 20);
        thread(12, "C1 CompilerThre", 100, 0);
        thread(13, "Source: kafka-p", 9_000, 100);
        JitCpu jit = new JitCpu(tasks);
        assertThat(jit.seconds()).isZero();

        thread(11, "C2 CompilerThre", 650, 30); // 160 ticks more
        thread(12, "C1 CompilerThre", 140, 0); // 40 more
        thread(13, "Source: kafka-p", 20_000, 100); // not a compiler
        assertThat(jit.seconds()).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void aCompilerThreadStartedLaterCountsWholeAndOneEndedKeepsWhatWasCounted() throws IOException {
        thread(11, "C2 CompilerThre", 500, 0);
        JitCpu jit = new JitCpu(tasks);
        thread(11, "C2 CompilerThre", 600, 0);
        assertThat(jit.seconds()).isCloseTo(1.0, within(1e-9));

        Files.delete(tasks.resolve("11/comm"));
        Files.delete(tasks.resolve("11/stat"));
        Files.delete(tasks.resolve("11"));
        thread(14, "C2 CompilerThre", 50, 0);
        assertThat(jit.seconds()).isCloseTo(1.5, within(1e-9));

        // A new thread reusing the ended one's id is read afresh, name included.
        thread(11, "Kafka Fetcher", 70, 0);
        thread(14, "C2 CompilerThre", 80, 0);
        assertThat(jit.seconds()).isCloseTo(1.8, within(1e-9));
    }

    @Test
    void withoutProcThereIsNoFigure() {
        assertThat(new JitCpu(tasks.resolve("absent")).seconds()).isNaN();
    }

    @Test
    void theNamesMatchedAreThoseOfThisJvmsCompilerThreads() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> threads = Files.list(Path.of("/proc/self/task"))) {
            for (Path thread : threads.toList()) {
                names.add(String.join("", Files.readAllLines(thread.resolve("comm"))));
            }
        }
        assertThat(names).contains("C1 CompilerThre", "C2 CompilerThre");
        assertThat(new JitCpu().seconds()).isNotNaN();
    }
}
