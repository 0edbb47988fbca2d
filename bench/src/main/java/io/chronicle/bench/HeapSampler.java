package io.chronicle.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;

import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The heap this process used over a span: the peak of the heap in use, sampled, which includes
 * garbage not yet collected; and the peak of what was left after a garbage collection, about what
 * the span kept alive at most.
 */
final class HeapSampler implements AutoCloseable {

    /** Peaks in bytes; {@code afterGcBytes} is 0 when no collection ran during the span. */
    record Peaks(long usedBytes, long afterGcBytes) {}

    private static final long SAMPLE_MILLIS = 50;

    private final AtomicLong peakUsed = new AtomicLong();
    private final AtomicLong peakAfterGc = new AtomicLong();
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());
    private final NotificationListener afterGc = this::afterGc;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean stopped;

    private HeapSampler() {
        sampler = new Thread(() -> {
            while (!stopped) {
                sample();
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
    }

    static HeapSampler start() {
        HeapSampler heap = new HeapSampler();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(heap.afterGc, null, null);
                heap.emitters.add(emitter);
            }
        }
        heap.sample();
        heap.sampler.start();
        return heap;
    }

    /** Stops sampling; the peaks since the start. */
    Peaks stop() throws InterruptedException, ListenerNotFoundException {
        close();
        sample();
        return new Peaks(peakUsed.get(), peakAfterGc.get());
    }

    /** Stops sampling and listening, once; a run that fails stops its sampler this way. */
    @Override
    public void close() throws InterruptedException, ListenerNotFoundException {
        if (stopped) {
            return;
        }
        stopped = true;
        sampler.interrupt();
        sampler.join();
        for (NotificationEmitter emitter : emitters) {
            emitter.removeNotificationListener(afterGc);
        }
    }

    private void sample() {
        peakUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
    }

    private void afterGc(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GcInfo gc = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
        peakAfterGc.accumulateAndGet(heapUsed(gc.getMemoryUsageAfterGc()), Math::max);
        // The heap just before a collection is a peak the sampler may have missed.
        peakUsed.accumulateAndGet(heapUsed(gc.getMemoryUsageBeforeGc()), Math::max);
    }

    private long heapUsed(Map<String, MemoryUsage> pools) {
        return pools.entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getUsed()).sum();
    }
}
