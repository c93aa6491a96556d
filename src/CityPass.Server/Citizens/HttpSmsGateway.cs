using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CityPass.Server.Citizens;

/// <summary>
/// The production SMS port: POSTs each message to the configured HTTP gateway, with a timeout per
/// attempt and retries on transient failures. Logs only the masked phone and the failure, never the
/// message (it holds the code) nor the auth value.
/// </summary>
public sealed class HttpSmsGateway : ISmsSender
{
    public const string HttpClientName = "sms-gateway";

    public const string NotConfigured =
        "No SMS gateway: set Sms:Gateway:Url (and Sms:Gateway:AuthValue from a secret) to send one-time codes. " +
        "Only the embedded default and the Development environment may use the development sender, whose outbox would give anyone any citizen's code.";

    private readonly IHttpClientFactory _clients;
    private readonly SmsGatewayOptions _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ILogger<HttpSmsGateway> _logger;

    public HttpSmsGateway(IHttpClientFactory clients, IOptions<SmsGatewayOptions> options, ILogger<HttpSmsGateway> logger)
    {
        _clients = clients;
        _options = options.Value;
        _logger = logger;
        if (!_options.IsConfigured) throw new InvalidOperationException(NotConfigured);
        // Real time on purpose: network timeouts are not business time, and a test's fake clock must not stop them.
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = TimeProvider.System };
        if (_options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _options.Retries,
                Delay = TimeSpan.FromMilliseconds(_options.RetryDelayMilliseconds),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }
        _pipeline = builder.AddTimeout(TimeSpan.FromSeconds(_options.TimeoutSeconds)).Build();
    }

    public async Task<bool> SendAsync(string phone, string message, CancellationToken cancellationToken)
    {
        var client = _clients.CreateClient(HttpClientName);
        try
        {
            using var response = await _pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = _options.Body(phone, message) };
                if (!string.IsNullOrEmpty(_options.AuthValue)) request.Headers.TryAddWithoutValidation(_options.AuthHeader, _options.AuthValue);
                return await client.SendAsync(request, ct);
            }, cancellationToken);
            if (response.IsSuccessStatusCode) return true;
            _logger.LogWarning("The SMS gateway refused a message to {Phone}: HTTP {Status}.", PhoneNumbers.Mask(phone), (int)response.StatusCode);
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _logger.LogWarning("The SMS gateway could not be reached for a message to {Phone} ({Error}: {Reason}).", PhoneNumbers.Mask(phone), ex.GetType().Name, ex.Message);
            return false;
        }
    }

    private static bool IsTransient(HttpResponseMessage response) =>
        (int)response.StatusCode >= 500 || response.StatusCode is System.Net.HttpStatusCode.RequestTimeout or System.Net.HttpStatusCode.TooManyRequests;
}
