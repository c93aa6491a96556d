using CityPass.LoadTests;
using StackExchange.Redis;
using Xunit;

namespace CityPass.LoadTests.Tests;

/// <summary>Reading the Orleans membership table the server processes share in Redis.</summary>
public sealed class ClusterMembershipTests
{
    [Fact]
    public void RowsGiveEachSilosPortAndStatusAndTheVersionIsSkipped()
    {
        // As a run's table read (tmp/membership-3.txt), with a dead silo and a joining one beside the active one.
        HashEntry[] table =
        [
            new("S127.0.0.1:44633:155201372", """{"SiloAddress":{"SiloAddress":"127.0.0.1:44633@155201372"},"Status":3,"SuspectTimes":[],"ProxyPort":0,"HostName":"vm","SiloName":"Silo_37772","RoleName":"CityPass.Server","UpdateZone":0,"FaultZone":0,"StartTime":"2026-12-02T07:29:33.0029421Z","IAmAliveTime":"2026-12-02T07:29:35.3204207Z"}"""),
            new("Version", "6"),
            new("S127.0.0.1:35365:155201327", """{"SiloAddress":{"SiloAddress":"127.0.0.1:35365@155201327"},"Status":6,"SuspectTimes":[],"ProxyPort":0}"""),
            new("S127.0.0.1:39801:155201367", """{"Status":"Joining"}"""),
        ];

        var rows = ClusterMembership.Parse(table);

        Assert.Equal([35365, 39801, 44633], rows.Select(r => r.Port));
        Assert.Equal(["Dead", "Joining", "Active"], rows.Select(r => r.Status));
        Assert.Equal([false, false, true], rows.Select(r => r.IsActive));
    }

    [Fact]
    public void ATopologyIsOneClusterOnlyWhenEverySiloIsActive()
    {
        var rows = new[] { new SiloRow("S127.0.0.1:1:1", 1, "Active"), new SiloRow("S127.0.0.1:2:1", 2, "Joining") };
        var cpu = new CpuUse(new CpuSplit(0, 0, 0, 0, 0, 0, 2, 2), [0], new Dictionary<string, double>());

        Assert.True(new Topology(1, [80], [1], rows, 60, cpu).OneCluster);
        Assert.False(new Topology(2, [80, 81], [1, 2], rows, 60, cpu with { ServerCores = [0, 0] }).OneCluster);
    }

    [Fact]
    public void TheKeyIsTheOneTheServersSilosWrite() =>
        Assert.Equal("citypass/members/loadtest-grains", ClusterMembership.Key("loadtest-grains").ToString());
}
