using System.Globalization;
using System.Net.Security;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace CityPass.Redis;

/// <summary>
/// Where and how to connect. Built from a StackExchange-style string
/// (<c>host:port,host:port,user=app,password=...,ssl=true,database=0,connectTimeout=5000,commandTimeout=2000,serviceName=mymaster</c>),
/// from a configuration section, or in code; <see cref="Validate"/> lists every problem so a bad setting fails at start-up.
/// </summary>
public sealed class RedisOptions
{
    /// <summary>Servers as "host:port". Standalone: the server. Cluster: any nodes (the rest is discovered). Sentinel: the sentinels.</summary>
    public IList<string> EndPoints { get; } = [];

    /// <summary>ACL user name for AUTH; null for the default user.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>Logical database (SELECT). Only 0 exists on a cluster.</summary>
    public int Database { get; set; }

    public bool Ssl { get; set; }

    /// <summary>The name the server certificate must carry; defaults to the host connected to.</summary>
    public string? SslHost { get; set; }

    /// <summary>Custom certificate check (e.g. a private CA); not bindable from configuration.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a caller waits for its reply before <see cref="RedisTimeoutException"/>.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Sentinel mode: the name of the monitored primary; <see cref="EndPoints"/> are then the sentinels.</summary>
    public string? ServiceName { get; set; }

    public string? SentinelUser { get; set; }

    public string? SentinelPassword { get; set; }

    /// <summary>CLIENT SETNAME, handy in CLIENT LIST; null to leave unnamed.</summary>
    public string? ClientName { get; set; }

    /// <summary>2 (RESP2, default) or 3 (HELLO 3).</summary>
    public int Protocol { get; set; } = 2;

    /// <summary>First reconnect delay; it doubles per failed attempt (with jitter) up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    internal bool IsSentinel => !string.IsNullOrEmpty(ServiceName);

    public static RedisOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var options = new RedisOptions();
        options.Apply(connectionString);
        return options;
    }

    /// <summary>
    /// Reads a section such as <c>{ "ConnectionString": "...", "CommandTimeout": "00:00:02" }</c>, or the
    /// properties one by one (<c>EndPoints:0</c>, <c>Password</c>, ...); explicit keys win over the string.
    /// </summary>
    public static RedisOptions FromConfiguration(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new RedisOptions();
        options.BindFrom(section);
        return options;
    }

    internal void BindFrom(IConfiguration section)
    {
        var connectionString = section["ConnectionString"];
        if (!string.IsNullOrWhiteSpace(connectionString)) Apply(connectionString);
        section.Bind(this);
    }

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (EndPoints.Count == 0) errors.Add("At least one end point (host:port) is required.");
        foreach (var endPoint in EndPoints)
            if (!RedisEndPoint.TryParse(endPoint, out _)) errors.Add($"'{endPoint}' is not a valid host:port end point.");
        if (Database is < 0 or > 15_999) errors.Add("Database must be between 0 and the server's database count.");
        if (ConnectTimeout <= TimeSpan.Zero) errors.Add("ConnectTimeout must be positive.");
        if (CommandTimeout <= TimeSpan.Zero) errors.Add("CommandTimeout must be positive.");
        if (Protocol is not (2 or 3)) errors.Add("Protocol must be 2 or 3.");
        if (User is not null && Password is null) errors.Add("User is set without a Password.");
        if (ReconnectBaseDelay <= TimeSpan.Zero || ReconnectMaxDelay < ReconnectBaseDelay)
            errors.Add("ReconnectBaseDelay must be positive and not above ReconnectMaxDelay.");
        if (ServiceName is not null && ServiceName.Length == 0) errors.Add("ServiceName must not be empty.");
        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming every problem.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0) throw new ArgumentException("Invalid Redis options: " + string.Join(" ", errors));
    }

    internal IReadOnlyList<RedisEndPoint> ParsedEndPoints() => EndPoints.Select(RedisEndPoint.Parse).ToArray();

    private void Apply(string connectionString)
    {
        foreach (var raw in connectionString.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = raw.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                EndPoints.Add(raw);
                continue;
            }

            var key = raw[..equals].Trim();
            var value = raw[(equals + 1)..].Trim();
            switch (key.ToUpperInvariant())
            {
                case "PASSWORD": Password = value; break;
                case "USER": User = value; break;
                case "SSL": Ssl = ParseBool(key, value); break;
                case "SSLHOST": SslHost = value; break;
                case "DATABASE" or "DEFAULTDATABASE": Database = ParseInt(key, value); break;
                case "CONNECTTIMEOUT": ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value)); break;
                case "COMMANDTIMEOUT" or "SYNCTIMEOUT" or "ASYNCTIMEOUT": CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value)); break;
                case "SERVICENAME": ServiceName = value; break;
                case "SENTINELUSER": SentinelUser = value; break;
                case "SENTINELPASSWORD": SentinelPassword = value; break;
                case "NAME": ClientName = value; break;
                case "PROTOCOL": Protocol = value.ToUpperInvariant() switch { "RESP3" or "3" => 3, "RESP2" or "2" => 2, _ => throw Bad(key, value) }; break;
                case "RECONNECTMAXDELAY": ReconnectMaxDelay = TimeSpan.FromMilliseconds(ParseInt(key, value)); break;
                case "RECONNECTBASEDELAY": ReconnectBaseDelay = TimeSpan.FromMilliseconds(ParseInt(key, value)); break;
                default: throw new FormatException($"Unknown Redis connection string keyword '{key}'.");
            }
        }
    }

    private static int ParseInt(string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw Bad(key, value);

    private static bool ParseBool(string key, string value) => bool.TryParse(value, out var flag) ? flag : throw Bad(key, value);

    private static FormatException Bad(string key, string value) => new($"Redis connection string: '{value}' is not a valid value for '{key}'.");

    /// <summary>The options as a connection string with secrets masked, safe to log.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(string.Join(',', EndPoints));
        if (User is not null) text.Append(",user=").Append(User);
        if (Password is not null) text.Append(",password=*****");
        if (Ssl) text.Append(",ssl=true");
        if (Database != 0) text.Append(CultureInfo.InvariantCulture, $",database={Database}");
        if (ServiceName is not null) text.Append(",serviceName=").Append(ServiceName);
        return text.ToString();
    }
}
