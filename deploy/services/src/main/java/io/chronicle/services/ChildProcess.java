package io.chronicle.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A child process whose output goes to a log file and which does not outlive the JVM that
 * started it: a shutdown hook stops it if {@link #close()} was never called. A parent killed
 * outright runs no hook, so each child also leaves a pid file beside its log; the next start
 * with the same log stops such an orphan before it starts anew.
 */
public final class ChildProcess implements AutoCloseable {

    /** Kafka flushes and closes its logs on SIGTERM; a few seconds is usually enough. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int LOG_TAIL_LINES = 40;

    private final String name;
    private final Process process;
    private final Path logFile;
    private final Thread shutdownHook;

    private final Path pidFile;

    private ChildProcess(String name, Process process, Path logFile, Path pidFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.pidFile = pidFile;
        this.shutdownHook = new Thread(this::stop, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts {@code command}, appending its stdout and stderr to {@code logFile}. */
    public static ChildProcess start(String name, List<String> command, Path logFile) throws IOException {
        return start(name, command, Map.of(), logFile);
    }

    /**
     * Starts {@code command} with {@code environment} added to this JVM's, appending its stdout
     * and stderr to {@code logFile}.
     */
    public static ChildProcess start(String name, List<String> command, Map<String, String> environment,
            Path logFile) throws IOException {
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        stopOrphan(name, logFile);
        Path pidFile = pidFile(name, logFile);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        Files.writeString(pidFile, Long.toString(process.pid()));
        return new ChildProcess(name, process, logFile, pidFile);
    }

    /**
     * Stops a child left running by a parent that was killed outright: the process its pid file
     * names, if that process still runs with this folder on its command line. Call it before
     * checking the child's ports, which an orphan still holds.
     */
    public static void stopOrphan(String name, Path logFile) throws IOException {
        Path pidFile = pidFile(name, logFile);
        if (!Files.exists(pidFile)) {
            return;
        }
        String folder = pidFile.getParent().toString();
        try {
            ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                    .filter(ProcessHandle::isAlive)
                    .filter(orphan -> orphan.info().commandLine().orElse("").contains(folder))
                    .ifPresent(ChildProcess::stopOrphan);
        } catch (NumberFormatException e) {
            // Not a pid: nothing to stop.
        }
        Files.delete(pidFile);
    }

    private static void stopOrphan(ProcessHandle orphan) {
        orphan.destroy();
        try {
            orphan.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            orphan.destroyForcibly();
            orphan.onExit().join();
        }
    }

    private static Path pidFile(String name, Path logFile) {
        return logFile.toAbsolutePath().resolveSibling(name + ".pid");
    }

    /** A command line running {@code mainClass} on the same Java installation as this JVM. */
    public static List<String> javaCommand(
            String classpath, List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * Polls {@code condition} until it returns true. Fails as soon as the process exits, or when
     * {@code timeout} passes; exceptions thrown by the condition count as "not yet".
     */
    public void await(String what, Duration timeout, Callable<Boolean> condition) {
        Instant deadline = Instant.now().plus(timeout);
        Exception lastFailure = null;
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name + " exited with code " + process.exitValue() + " while waiting for " + what
                                + logTail());
            }
            try {
                if (condition.call()) {
                    return;
                }
            } catch (Exception e) {
                lastFailure = e;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(
                        name + " did not reach '" + what + "' within " + timeout + logTail(), lastFailure);
            }
            // Returns early if the process exits, so a crash is reported without delay.
            waitFor(POLL_INTERVAL);
        }
    }

    /** Waits for the process to exit by itself and returns its exit code; kills it on timeout. */
    public int awaitExit(Duration timeout) {
        if (!waitFor(timeout)) {
            stop();
            throw new IllegalStateException(name + " did not exit within " + timeout + logTail());
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The operating system's id of the process, for reading its figures from /proc. */
    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    /** The last lines of the log file, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return "\n--- last lines of " + logFile + " ---\n" + String.join("\n", tail);
        } catch (IOException | UncheckedIOException e) {
            return "\n(could not read " + logFile + ": " + e + ")";
        }
    }

    /** Stops the process: SIGTERM first so it can shut down cleanly, then SIGKILL after a deadline. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // The hook is running or about to; stopping twice is harmless.
        }
        stop();
    }

    /**
     * Kills the process outright (SIGKILL), as a crash would: it gets no chance to clean up, and
     * its own children live on. For tests of recovery.
     */
    public void kill() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shutdownInProgress) {
            // stopping anyway
        }
        process.destroyForcibly();
        waitFor(STOP_TIMEOUT);
    }

    private void stop() {
        process.destroy();
        if (!waitFor(STOP_TIMEOUT)) {
            process.destroyForcibly();
            waitFor(STOP_TIMEOUT);
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            // A stale pid file is checked against the command line before it is acted on.
        }
    }

    /** Waits up to {@code timeout} for the process to exit; true if it has. */
    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }
}
