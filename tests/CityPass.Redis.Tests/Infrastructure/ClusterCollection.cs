namespace CityPass.Redis.Tests.Infrastructure;

/// <summary>The cluster tests share one three-primary cluster (tests/CityPass.Testing/RedisCluster.cs).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis cluster";
}
