using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>
/// Watches a fixed-rate step for stalls, every 10 ms on threads of its own: a <c>PING</c> to redis-server on a socket of
/// its own (not through the server), a <c>GET /v1/ping</c> to the server (no store behind it), and the machine's
/// pressure-stall counters (/proc/pressure: time tasks waited for a core, the disk or memory). A scan stuck for a second
/// says only that something stopped; which of these stopped with it says what: Redis alone (its thread blocked by a fork
/// or a write to its file), the server alone (its garbage collector or thread pool), or the machine (the disk, the cores).
/// Every half second it also samples the machine's CPU by process, to say who had the cores around each stall.
/// Every answer's time is kept too: a probe's p99 beside the scans' says whether a step's tail is the scans' own (waiting
/// on Redis through the server's connection, the archiver, the server's collector) or the machine's (a trivial request
/// on a separate connection waits as long).
/// </summary>
public sealed class StallProbe : IDisposable
{
    /// <summary>A probe's answer slower than this is a stall (the soak's target: no window with p99 above 50 ms).</summary>
    public const double ThresholdMs = 50;

    /// <summary>The probes' names, in their stalls and their answer times.</summary>
    public const string RedisProbe = "redis", ServerProbe = "server";

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan CpuInterval = TimeSpan.FromMilliseconds(500);
    private readonly long _zeroMs;
    private readonly List<ProbeStall> _stalls = [];
    private readonly Dictionary<string, List<int>> _answerMicros = new() { [RedisProbe] = [], [ServerProbe] = [] };
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread[] _threads;
    private long _pings;
    private readonly CpuMeter _cpu;
    private readonly List<(long AtMs, CpuMeter.Snapshot Snapshot, long ReportedKib)> _cpuSamples = [];

    public StallProbe(int redisPort, Uri server, CpuMeter cpu, long zeroMs)
    {
        _zeroMs = zeroMs;
        _cpu = cpu;
        _threads =
        [
            Start(RedisProbe, () => new RedisPing(redisPort)),
            Start(ServerProbe, () => new ServerPing(server)),
            new Thread(SampleCpu) { IsBackground = true, Name = "stall probe: CPU" },
        ];
        _threads[^1].Start();
    }

    /// <summary>The probes' pings so far, answered or not.</summary>
    public long Pings => Interlocked.Read(ref _pings);

    /// <summary>Stops the probes and returns the stalls they saw, in the order they began, and each probe's answer times.</summary>
    public ProbeReport Stop()
    {
        Dispose();
        lock (_stalls)
        {
            return new ProbeReport(Interlocked.Read(ref _pings), [.. _stalls.OrderBy(s => s.AtSeconds).Select(Around)],
                _answerMicros.ToDictionary(kv => kv.Key, kv => LatencyStats.FromMicroseconds(kv.Value)));
        }
    }

    /// <summary>
    /// The stall with the machine's CPU split and the memory it handed back to its host, from the last sample a quarter
    /// second before the stall began to the first a quarter second after it ended.
    /// </summary>
    private ProbeStall Around(ProbeStall stall)
    {
        var startMs = _zeroMs + (long)(stall.AtSeconds * 1000);
        var before = _cpuSamples.LastOrDefault(x => x.AtMs <= startMs - 250);
        var after = _cpuSamples.FirstOrDefault(x => x.AtMs >= startMs + stall.Ms + 250);
        if (before.Snapshot is null || after.Snapshot is null) return stall;
        return stall with
        {
            Cpu = CpuMeter.Between(before.Snapshot, after.Snapshot),
            ReportedToHostMb = after.ReportedKib < 0 ? null : (after.ReportedKib - before.ReportedKib) / 1024.0,
        };
    }

    /// <summary>
    /// What a virtual machine with free page reporting (virtio-balloon) has handed back to its host, in KiB; -1 without
    /// it. A page handed back is faulted in again by the host when it is next used: time the guest's own accounting does not see.
    /// </summary>
    private static long ReportedKib()
    {
        try
        {
            return long.Parse(File.ReadAllText("/sys/module/page_reporting/parameters/reported_kib").Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private void SampleCpu()
    {
        do
        {
            var sample = (MonotonicClock.NowMs, _cpu.Take(), ReportedKib());
            lock (_stalls) _cpuSamples.Add(sample);
        }
        while (!_stop.Token.WaitHandle.WaitOne(CpuInterval));
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        foreach (var thread in _threads) thread.Join();
        _stop.Dispose();
    }

    private Thread Start(string name, Func<IPing> open)
    {
        var thread = new Thread(() => Loop(name, open)) { IsBackground = true, Name = "stall probe: " + name };
        thread.Start();
        return thread;
    }

    private void Loop(string name, Func<IPing> open)
    {
        IPing? ping = null;
        var pressure = Pressure.Read();
        var next = Stopwatch.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            var startMs = MonotonicClock.NowMs;
            var started = Stopwatch.GetTimestamp();
            // How late this thread woke: a machine short of cores delays the probe itself.
            var lateMs = Stopwatch.GetElapsedTime(next).TotalMilliseconds;
            string? failure = null;
            try
            {
                ping ??= open();
                ping.Once();
            }
            catch (Exception e) when (e is IOException or SocketException or HttpRequestException or TaskCanceledException or InvalidDataException)
            {
                failure = e.GetType().Name;
                ping?.Dispose();
                ping = null;
            }
            var took = Stopwatch.GetElapsedTime(started);
            var tookMs = took.TotalMilliseconds;
            var now = Pressure.Read();
            Interlocked.Increment(ref _pings);
            if (failure is null)
            {
                lock (_stalls) _answerMicros[name].Add((int)Math.Min(int.MaxValue, took.Ticks / TimeSpan.TicksPerMicrosecond));
            }
            if (tookMs > ThresholdMs || lateMs > ThresholdMs || failure is not null)
            {
                lock (_stalls) _stalls.Add(new ProbeStall(name, (startMs - _zeroMs) / 1000.0, tookMs, Math.Round(lateMs, 1), failure, now.Since(pressure)));
            }
            pressure = now;
            next = Stopwatch.GetTimestamp() + (long)(Interval.TotalSeconds * Stopwatch.Frequency);
            _stop.Token.WaitHandle.WaitOne(Interval);
        }
        ping?.Dispose();
    }

    private interface IPing : IDisposable
    {
        void Once();
    }

    /// <summary>PING and +PONG on a plain socket: nothing between the probe and redis-server's one thread.</summary>
    private sealed class RedisPing : IPing
    {
        private static readonly byte[] Ping = "PING\r\n"u8.ToArray();
        private readonly Socket _socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 5000, SendTimeout = 5000 };
        private readonly byte[] _buffer = new byte[64];

        public RedisPing(int port) => _socket.Connect("127.0.0.1", port);

        public void Once()
        {
            _socket.Send(Ping);
            var read = 0;
            while (read < 7)
            {
                var n = _socket.Receive(_buffer, read, _buffer.Length - read, SocketFlags.None);
                if (n == 0) throw new IOException("redis-server closed the connection");
                read += n;
            }
            if (!_buffer.AsSpan(0, read).SequenceEqual("+PONG\r\n"u8)) throw new InvalidDataException("not +PONG: " + Encoding.ASCII.GetString(_buffer, 0, read));
        }

        public void Dispose() => _socket.Dispose();
    }

    private sealed class ServerPing(Uri server) : IPing
    {
        private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromSeconds(5) };

        public void Once()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("v1/ping", UriKind.Relative));
            using var response = _http.Send(request);
            response.EnsureSuccessStatusCode();
        }

        public void Dispose() => _http.Dispose();
    }
}

/// <summary>The probes' pings in a step, the slow ones, and each probe's answer times (by probe name; null in runs before they were kept).</summary>
public sealed record ProbeReport(long Pings, IReadOnlyList<ProbeStall> Stalls, IReadOnlyDictionary<string, LatencyStats>? Answers = null)
{
    public ProbeStall? Longest(string probe) => Stalls.Where(s => s.Probe == probe).MaxBy(s => s.Ms);
}

/// <summary>
/// One slow probe: which (redis, server), when (seconds from the run's zero), how long its answer took, how late its thread
/// woke, why it failed (if it did), and the machine's pressure-stall time over that tick.
/// </summary>
/// <param name="Cpu">The machine's CPU by process around it (half-second samples), who had the cores.</param>
/// <param name="ReportedToHostMb">Memory the virtual machine handed back to its host over the same window (null where it does not).</param>
public sealed record ProbeStall(string Probe, double AtSeconds, double Ms, double LateMs, string? Failure, PressureDelta Pressure, CpuSplit? Cpu = null,
    double? ReportedToHostMb = null);

/// <summary>Milliseconds some task waited for a core, the disk and memory (/proc/pressure's "some" totals) over an interval.</summary>
public sealed record PressureDelta(double CpuMs, double IoMs, double MemoryMs)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"cpu {CpuMs:0} ms, io {IoMs:0} ms, memory {MemoryMs:0} ms");
}

internal readonly record struct Pressure(long CpuUs, long IoUs, long MemoryUs)
{
    public static Pressure Read() => new(Some("cpu"), Some("io"), Some("memory"));

    public PressureDelta Since(Pressure before) => new((CpuUs - before.CpuUs) / 1000.0, (IoUs - before.IoUs) / 1000.0, (MemoryUs - before.MemoryUs) / 1000.0);

    // "some avg10=0.00 avg60=0.49 avg300=0.40 total=113810856": total in µs. Absent (an older kernel, no PSI): 0.
    private static long Some(string resource)
    {
        try
        {
            var line = File.ReadLines("/proc/pressure/" + resource).FirstOrDefault(l => l.StartsWith("some ", StringComparison.Ordinal));
            var total = line?.Split(' ').FirstOrDefault(p => p.StartsWith("total=", StringComparison.Ordinal));
            return total is null ? 0 : long.Parse(total.AsSpan(6), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
