using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>How the machine's CPU time was split over one step, in cores (1.0 = one core busy throughout).</summary>
public sealed record CpuSplit(double Server, double LoadGenerator, double Redis, double Postgres, double Runner, double Other, double Idle, int Cores);

/// <summary>
/// Reads CPU time from /proc: the server, redis-server and PostgreSQL (the postmaster and its
/// backends) by pid; the load generator as the CPU time of the runner's children that ended in the
/// step (wrk and redis-benchmark are the runner's children and end with the step); the whole machine
/// from /proc/stat. "Other" is everything else that was busy: whatever else the shared machine did.
/// </summary>
public sealed class CpuMeter(Func<IReadOnlyDictionary<string, IReadOnlyList<int>>> groups)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public sealed record Snapshot(DateTime At, IReadOnlyDictionary<string, long> GroupTicks, long SelfTicks, long ChildrenTicks, long BusyTicks, long IdleTicks);

    public Snapshot Take()
    {
        var ticks = new Dictionary<string, long>();
        foreach (var (name, pids) in groups()) ticks[name] = pids.Sum(ProcessTicks);
        var (busy, idle) = MachineTicks();
        var self = StatFields(Environment.ProcessId);
        return new Snapshot(DateTime.UtcNow, ticks, self[0] + self[1], self[2] + self[3], busy, idle);
    }

    public static CpuSplit Between(Snapshot a, Snapshot b)
    {
        var seconds = Math.Max(0.001, (b.At - a.At).TotalSeconds);
        double Cores(long t) => t / TicksPerSecond / seconds;
        long D(string g) => b.GroupTicks.GetValueOrDefault(g) - a.GroupTicks.GetValueOrDefault(g);
        var server = D("server");
        var redis = D("redis");
        var pg = D("postgres");
        var generator = b.ChildrenTicks - a.ChildrenTicks;
        var runner = b.SelfTicks - a.SelfTicks;
        var busy = b.BusyTicks - a.BusyTicks;
        var other = Math.Max(0, busy - server - redis - pg - generator - runner);
        return new CpuSplit(Cores(server), Cores(generator), Cores(redis), Cores(pg), Cores(runner), Cores(other), Cores(b.IdleTicks - a.IdleTicks),
            Environment.ProcessorCount);
    }

    /// <summary>One group's CPU between two snapshots, in cores: e.g. each server process of several, which <see cref="CpuSplit.Server"/> sums.</summary>
    public static double Cores(Snapshot a, Snapshot b, string group)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var seconds = Math.Max(0.001, (b.At - a.At).TotalSeconds);
        return (b.GroupTicks.GetValueOrDefault(group) - a.GroupTicks.GetValueOrDefault(group)) / TicksPerSecond / seconds;
    }

    /// <summary>utime + stime of a process, plus those of its children that it has waited for.</summary>
    public static long ProcessTicks(int pid)
    {
        try
        {
            return StatFields(pid).Sum();
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>utime, stime, cutime, cstime (fields 14-17 of /proc/pid/stat).</summary>
    private static long[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        // The command name is in parentheses and may hold spaces: fields count from after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return [.. Enumerable.Range(14, 4).Select(f => long.Parse(fields[f - 3], CultureInfo.InvariantCulture))];
    }

    /// <summary>The pids whose parent is <paramref name="parent"/>, and the parent itself.</summary>
    public static IReadOnlyList<int> WithChildren(int parent)
    {
        var pids = new List<int> { parent };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent) pids.Add(pid);
            }
            catch (IOException)
            {
            }
        }
        return pids;
    }

    private static (long Busy, long Idle) MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest is already inside user)
        var idle = cpu[3] + cpu[4];
        var busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7];
        return (busy, idle);
    }
}
