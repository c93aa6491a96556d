using System.Net.Http.Headers;

namespace CityPass.GeneratedClient;

/// <summary>
/// A turnstile vendor's integration, written against the generated client only: a citizen signs in and gets
/// a pass, a gate scans it, a broken pass answers 422 with its problem code, no credential answers 401.
/// Returns what it saw, one line a step, for GeneratedClientTests to check.
/// </summary>
public static class GateFlow
{
    public static async Task<IReadOnlyList<string>> RunAsync(Func<HttpClient> newHttp, string phone, Func<string, string> codeSentTo, string gateCredential)
    {
        var seen = new List<string>();

        var anonymous = new CityPassClient(newHttp());
        await anonymous.PostCitizensOtpAsync(new OtpRequest { Phone = phone });
        var session = await anonymous.PostCitizensSessionAsync(new SessionRequest { Phone = phone, Code = codeSentTo(phone) });
        seen.Add($"session: {!string.IsNullOrEmpty(session.AccessToken)}");

        var citizenHttp = newHttp();
        citizenHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        var pass = await new CityPassClient(citizenHttp).GetMePassAsync();

        var gateHttp = newHttp();
        gateHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Gate", gateCredential);
        var gate = new CityPassClient(gateHttp);
        var decision = await gate.PostScansAsync(new ScanRequest { Text = pass.Text, ScanId = Guid.NewGuid() });
        seen.Add($"scan: {decision.Decision} {decision.Code}");

        try
        {
            await gate.PostScansAsync(new ScanRequest { Text = pass.Text![..40], ScanId = Guid.NewGuid() });
            seen.Add("broken pass: no error");
        }
        catch (ApiException<ProblemDetails> e)
        {
            seen.Add($"broken pass: {e.StatusCode} {e.Result.Code}");
        }

        try
        {
            await anonymous.PostScansAsync(new ScanRequest { Text = pass.Text, ScanId = Guid.NewGuid() });
            seen.Add("no credential: no error");
        }
        catch (ApiException<ProblemDetails> e)
        {
            seen.Add($"no credential: {e.StatusCode} {e.Result.Code}");
        }
        return seen;
    }
}
