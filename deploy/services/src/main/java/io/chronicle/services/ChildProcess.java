package io.chronicle.services;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * A child process whose output goes to a log file and which does not outlive the JVM that
 * started it: one shutdown hook, shared by all children, stops those whose {@link #close()} was
 * never called, newest first, after the actions given to {@link #beforeStoppingChildren}, so an
 * owner's orderly shutdown runs while its children still serve. Each child runs in a session of
 * its own, so a terminal's Ctrl-C reaches only this JVM, which stops the children in order. A
 * parent killed outright runs no hook, so each child also leaves a pid file beside its log; the
 * next start with the same log takes such an orphan over ({@link #adoptOrphan}) or stops it
 * before it starts anew ({@link #stopOrphan}).
 */
public final class ChildProcess implements AutoCloseable {

    /** Kafka flushes and closes its logs on SIGTERM; a few seconds is usually enough. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int LOG_TAIL_LINES = 40;
    private static final int FIRST_ERROR_LINES = 20;
    /** A log4j or java.util.logging level, or an uncaught exception, starting an error's report. */
    private static final Pattern ERROR_LINE = Pattern.compile("\\b(ERROR|FATAL|SEVERE)\\b|^Exception in thread");

    /** Children not closed yet, newest first; guarded by the class. */
    private static final Deque<ChildProcess> RUNNING = new ArrayDeque<>();
    private static final List<Runnable> BEFORE_STOPPING = new ArrayList<>();
    private static boolean hookInstalled;

    private final String name;
    /** The process started here; null for an adopted orphan, which only {@link #handle} reaches. */
    private final Process process;
    private final ProcessHandle handle;
    private final Path logFile;
    /** Where this process's output starts in {@link #logFile}, which earlier runs appended to. */
    private final long logStart;
    private final Path pidFile;

    private ChildProcess(String name, Process process, ProcessHandle handle, Path logFile, long logStart, Path pidFile) {
        this.name = name;
        this.process = process;
        this.handle = handle;
        this.logFile = logFile;
        this.logStart = logStart;
        this.pidFile = pidFile;
    }

    /**
     * Runs {@code action} when the JVM shuts down, before the children still running are
     * stopped: concurrent shutdown hooks would stop a broker under a job still cancelling.
     */
    public static synchronized void beforeStoppingChildren(Runnable action) {
        BEFORE_STOPPING.add(action);
        installHook();
    }

    private static synchronized void register(ChildProcess child) {
        RUNNING.push(child);
        installHook();
    }

    private static synchronized void unregister(ChildProcess child) {
        RUNNING.remove(child);
    }

    private static void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(ChildProcess::shutDown, "child-processes-shutdown"));
            hookInstalled = true;
        }
    }

    private static void shutDown() {
        List<Runnable> actions;
        synchronized (ChildProcess.class) {
            actions = List.copyOf(BEFORE_STOPPING);
        }
        for (Runnable action : actions) {
            try {
                action.run();
            } catch (RuntimeException e) {
                System.err.println("Error while shutting down: " + e);
            }
        }
        while (true) {
            ChildProcess child;
            synchronized (ChildProcess.class) {
                child = RUNNING.poll();
            }
            if (child == null) {
                return;
            }
            child.stop();
        }
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
        // setsid: a session of its own, so a terminal's Ctrl-C (sent to the whole foreground
        // process group) reaches only this JVM, which stops its children in order.
        List<String> inSession = new ArrayList<>(command.size() + 1);
        inSession.add("setsid");
        inSession.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(inSession)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(environment);
        long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        Process process = builder.start();
        Files.writeString(pidFile, Long.toString(process.pid()));
        ChildProcess child = new ChildProcess(name, process, process.toHandle(), logFile, logStart, pidFile);
        register(child);
        return child;
    }

    /**
     * The child a parent killed outright left running, taken over as this JVM's own: the process
     * its pid file names, if that process still runs with this folder on its command line. The
     * caller checks that it serves as wanted, and closes it otherwise. Taking over a service
     * that runs on saves its stop and start, seconds on a busy machine, after a crash.
     */
    public static Optional<ChildProcess> adoptOrphan(String name, Path logFile) throws IOException {
        Path pidFile = pidFile(name, logFile);
        long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        Optional<ChildProcess> adopted = orphan(pidFile)
                .map(handle -> new ChildProcess(name, null, handle, logFile, logStart, pidFile));
        adopted.ifPresent(ChildProcess::register);
        return adopted;
    }

    /**
     * Stops a child left running by a parent that was killed outright: the process its pid file
     * names, if that process still runs with this folder on its command line. Call it before
     * checking the child's ports, which an orphan still holds.
     */
    public static void stopOrphan(String name, Path logFile) throws IOException {
        Path pidFile = pidFile(name, logFile);
        orphan(pidFile).ifPresent(ChildProcess::stopOrphan);
        Files.deleteIfExists(pidFile);
    }

    /** The live process {@code pidFile} names, if its command line holds the pid file's folder. */
    private static Optional<ProcessHandle> orphan(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        String folder = pidFile.getParent().toString();
        try {
            return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                    .filter(ProcessHandle::isAlive)
                    .filter(orphan -> orphan.info().commandLine().orElse("").contains(folder));
        } catch (NumberFormatException e) {
            return Optional.empty(); // not a pid: nothing to stop
        }
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
            if (!handle.isAlive()) {
                throw new IllegalStateException(name + " exited"
                        + (process == null ? "" : " with code " + process.exitValue()) + " while waiting for " + what
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
        if (process == null) {
            throw new IllegalStateException("the exit code of " + name + ", adopted, is its parent's");
        }
        if (!waitFor(timeout)) {
            stop();
            throw new IllegalStateException(name + " did not exit within " + timeout + logTail());
        }
        return process.exitValue();
    }

    public boolean isAlive() {
        return handle.isAlive();
    }

    /** The operating system's id of the process, for reading its figures from /proc. */
    public long pid() {
        return handle.pid();
    }

    public Path logFile() {
        return logFile;
    }

    /**
     * For error messages: the first error this process logged, with the lines after it, and the
     * last lines of its log. A failed start-up's cause is usually the first error; the last lines
     * are then only the orderly shutdown it triggered.
     */
    public String logTail() {
        try {
            List<String> lines = linesSinceStart();
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            int firstError = IntStream.range(0, lines.size())
                    .filter(i -> ERROR_LINE.matcher(lines.get(i)).find())
                    .findFirst()
                    .orElse(lines.size());
            int firstErrorEnd = Math.min(firstError + FIRST_ERROR_LINES, lines.size() - tail.size());
            String errors = firstError < firstErrorEnd
                    ? "\n--- first error in " + logFile + " ---\n" + String.join("\n", lines.subList(firstError, firstErrorEnd))
                    : "";
            return errors + "\n--- last lines of " + logFile + " ---\n" + String.join("\n", tail);
        } catch (IOException | UncheckedIOException e) {
            return "\n(could not read " + logFile + ": " + e + ")";
        }
    }

    private List<String> linesSinceStart() throws IOException {
        try (InputStream in = Files.newInputStream(logFile)) {
            in.skipNBytes(Math.min(logStart, Files.size(logFile)));
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** Stops the process: SIGTERM first so it can shut down cleanly, then SIGKILL after a deadline. */
    @Override
    public void close() {
        unregister(this);
        stop();
    }

    /**
     * Kills the process outright (SIGKILL), as a crash would: it gets no chance to clean up, and
     * its own children live on. For tests of recovery.
     */
    public void kill() {
        unregister(this);
        handle.destroyForcibly();
        waitFor(STOP_TIMEOUT);
    }

    private void stop() {
        handle.destroy();
        if (!waitFor(STOP_TIMEOUT)) {
            handle.destroyForcibly();
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
            if (process != null) {
                return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.destroyForcibly();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }
}
