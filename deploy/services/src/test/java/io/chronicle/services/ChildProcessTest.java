package io.chronicle.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void aChildExitingDuringStartUpIsReportedWithItsFirstErrorAndItsLastLines() throws Exception {
        Path log = dir.resolve("child.log");
        Files.writeString(log, "[earlier] ERROR from a run before this one\n");
        String shutdown = IntStream.range(0, 60).mapToObj(i -> "echo shutting down step " + i).collect(Collectors.joining("; "));
        try (ChildProcess child = ChildProcess.start("child", List.of("sh", "-c",
                "echo starting; echo '[now] ERROR Address already in use'; echo '  at bind'; " + shutdown + "; exit 3"), log)) {
            assertThatThrownBy(() -> child.await("something that never comes", TIMEOUT, () -> false))
                    .hasMessageContaining("child exited with code 3 while waiting for something that never comes")
                    .hasMessageContaining("--- first error in " + log + " ---\n[now] ERROR Address already in use\n  at bind")
                    .hasMessageContaining("shutting down step 59")
                    .hasMessageNotContaining("a run before this one");
        }
    }

    @Test
    void aLogWithoutErrorsShowsOnlyItsLastLines() throws Exception {
        Path log = dir.resolve("quiet.log");
        try (ChildProcess child = ChildProcess.start("quiet", List.of("sh", "-c", "echo all fine; exit 0"), log)) {
            assertThat(child.awaitExit(TIMEOUT)).isZero();
            assertThat(child.logTail()).isEqualTo("\n--- last lines of " + log + " ---\nall fine");
        }
    }
}
