using Microsoft.Extensions.Configuration;

namespace CityPass.Redis.Tests;

public sealed class RedisOptionsTests
{
    [Fact]
    public void ConnectionStringSetsEveryOption()
    {
        var options = RedisOptions.Parse("10.0.0.1:7000, [::1]:7001,user=app,password=s3cret,ssl=true,sslHost=redis.local,database=2,connectTimeout=1500,commandTimeout=250,serviceName=mymaster,name=gate,protocol=resp3");

        Assert.Equal(["10.0.0.1:7000", "[::1]:7001"], options.EndPoints);
        Assert.Equal("app", options.User);
        Assert.Equal("s3cret", options.Password);
        Assert.True(options.Ssl);
        Assert.Equal("redis.local", options.SslHost);
        Assert.Equal(2, options.Database);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.CommandTimeout);
        Assert.Equal("mymaster", options.ServiceName);
        Assert.Equal("gate", options.ClientName);
        Assert.Equal(3, options.Protocol);
        Assert.Empty(options.Validate());
        Assert.Equal(new RedisEndPoint("::1", 7001), RedisEndPoint.Parse(options.EndPoints[1]));
    }

    [Fact]
    public void UnknownKeywordIsRejected() =>
        Assert.Throws<FormatException>(() => RedisOptions.Parse("localhost,pasword=oops"));

    [Fact]
    public void BadValueIsRejected() =>
        Assert.Throws<FormatException>(() => RedisOptions.Parse("localhost,commandTimeout=soon"));

    [Fact]
    public void ValidationListsEveryProblem()
    {
        var options = new RedisOptions { User = "app", CommandTimeout = TimeSpan.Zero, Protocol = 4 };
        options.EndPoints.Add("host:notaport");

        var errors = options.Validate();

        Assert.Contains(errors, e => e.Contains("notaport", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("CommandTimeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Protocol", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Password", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(options.ThrowIfInvalid);
    }

    [Fact]
    public void NoEndPointIsInvalid() => Assert.NotEmpty(new RedisOptions().Validate());

    [Fact]
    public void ToStringMasksThePassword()
    {
        var text = RedisOptions.Parse("localhost:6379,password=s3cret").ToString();
        Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
        Assert.Contains("localhost:6379", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationSectionBindsOnTopOfTheConnectionString()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:ConnectionString"] = "cache:6380,password=fromstring",
            ["Redis:Password"] = "fromkey",
            ["Redis:CommandTimeout"] = "00:00:00.300",
        }).Build();

        var options = RedisOptions.FromConfiguration(configuration.GetSection("Redis"));

        Assert.Equal(["cache:6380"], options.EndPoints);
        Assert.Equal("fromkey", options.Password);
        Assert.Equal(TimeSpan.FromMilliseconds(300), options.CommandTimeout);
    }
}
