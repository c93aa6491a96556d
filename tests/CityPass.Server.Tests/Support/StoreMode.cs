namespace CityPass.Server.Tests.Support;

/// <summary>Which stores an app under test runs on: the embedded in-process ones, or real Redis + PostgreSQL on loopback.</summary>
public enum StoreMode
{
    Embedded,
    RedisAndPostgres,
}
