using CityPass.LoadTests;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>Server CPU by kind of thread: the runtime's thread names, and threads that start or end between two readings.</summary>
public sealed class ThreadCpuTests
{
    [Theory]
    [InlineData(".NET TP Worker", ThreadCpu.ThreadPool)]
    [InlineData(".NET TP Gate", ThreadCpu.ThreadPool)]
    [InlineData(".NET Tiered Com", ThreadCpu.Jit)]
    [InlineData(".NET Server GC", ThreadCpu.Gc)]
    [InlineData(".NET BGC", ThreadCpu.Gc)]
    [InlineData(".NET Sockets", ThreadCpu.Sockets)]
    [InlineData(".NET Timer", ThreadCpu.Other)]
    [InlineData("Orleans.Runtime", ThreadCpu.Other)]
    [InlineData("dotnet", ThreadCpu.Other)]
    public void ThreadsAreKnownByTheRuntimesNames(string name, string kind) => Assert.Equal(kind, ThreadCpu.KindOf(name));

    [Fact]
    public void ATicksLineIsReadAfterTheCommandNameWhateverItHolds() =>
        Assert.Equal(120 + 30, ThreadCpu.Ticks("4242 (.NET TP Worker) S 1 4242 4242 0 -1 4194368 1000 0 0 0 120 30 0 0 20 0 40 0 5000"));

    [Fact]
    public void EachThreadCountsWhatItSpentBetweenTheReadingsAndEndedThreadsAreTheRest()
    {
        var at = DateTime.UnixEpoch;
        var a = new ThreadSnapshot(at, new Dictionary<int, ThreadTicks>
        {
            [1] = new(ThreadCpu.ThreadPool, 500),
            [2] = new(ThreadCpu.Jit, 300),
            [3] = new(ThreadCpu.ThreadPool, 1000), // ends before b
            [4] = new(ThreadCpu.Gc, 900),           // ends, and its id is reused by a new thread pool worker
        }, ProcessTicks: 10_000);
        var b = new ThreadSnapshot(at.AddSeconds(10), new Dictionary<int, ThreadTicks>
        {
            [1] = new(ThreadCpu.ThreadPool, 900),
            [2] = new(ThreadCpu.Jit, 400),
            [4] = new(ThreadCpu.ThreadPool, 50),
            [5] = new(ThreadCpu.Gc, 100),           // started since a
        }, ProcessTicks: 10_000 + 1_000);

        var cores = ThreadCpu.Between(a, b);

        // 1,000 ticks in 10 s = 1 core: 450 thread pool, 100 JIT, 100 GC, 350 by the threads that ended.
        Assert.Equal(0.45, cores[ThreadCpu.ThreadPool], 9);
        Assert.Equal(0.10, cores[ThreadCpu.Jit], 9);
        Assert.Equal(0.10, cores[ThreadCpu.Gc], 9);
        Assert.Equal(0.35, cores[ThreadCpu.Ended], 9);
        Assert.Equal(0, cores[ThreadCpu.Other]);
        Assert.Equal(1.0, cores.Values.Sum(), 9);
    }
}
