using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CityPass.Redis;

public static class RedisServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="RedisOptions"/> bound from <paramref name="section"/> (validated at start-up) and a
    /// singleton <see cref="RedisClient"/> connected by a hosted service before the app serves requests,
    /// so a wrong setting or an unreachable Redis stops the boot instead of failing the first scan.
    /// </summary>
    public static IServiceCollection AddRedisClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<RedisOptions>().Configure(options => options.BindFrom(section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        services.AddSingleton<RedisClientStarter>();
        services.AddHostedService(provider => provider.GetRequiredService<RedisClientStarter>());
        services.AddSingleton(provider => provider.GetRequiredService<RedisClientStarter>().Client);
        return services;
    }

    private sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
    {
        public ValidateOptionsResult Validate(string? name, RedisOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    private sealed class RedisClientStarter(IOptions<RedisOptions> options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
    {
        private RedisClient? _client;

        public RedisClient Client => _client ?? throw new InvalidOperationException("RedisClient is connected when the host starts; resolve it after start-up.");

        public async Task StartAsync(CancellationToken cancellationToken) =>
            _client ??= await RedisClient.ConnectAsync(options.Value, loggerFactory, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            if (_client is not null) await _client.DisposeAsync();
        }
    }
}
