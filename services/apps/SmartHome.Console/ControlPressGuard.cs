using System.Net;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>
/// Who may press the console's controls: a page of this console (its <see cref="PageToken"/>), in a browser on this machine, not
/// a request another site made the browser send. Pure, so the rules are unit-tested without a server.
/// </summary>
public static class ControlPressGuard
{
    /// <summary>Why a press is refused (status and one sentence), or null when it may go on.</summary>
    /// <param name="fetchSite">The browser's <c>Sec-Fetch-Site</c> (absent from non-browser clients and old browsers).</param>
    public static (int Status, string Reason)? Check(IPAddress? remote, string? token, string? fetchSite, PageToken expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (!ControlAccess.IsLoopback(remote))
        {
            return (StatusCodes.Status403Forbidden, "The console's controls answer only a browser on this machine.");
        }

        if (fetchSite is { Length: > 0 } and not ("same-origin" or "none"))
        {
            return (StatusCodes.Status403Forbidden, "A control press must come from the console's own page, not from another site.");
        }

        return expected.Matches(token)
            ? null
            : (StatusCodes.Status403Forbidden, "This page is out of date (the console restarted): reload it, then press again.");
    }
}

/// <summary>Endpoint filter applying <see cref="ControlPressGuard.Check"/> before the handler runs.</summary>
internal sealed class ControlPressFilter(PageToken token) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (ControlPressGuard.Check(http.Connection.RemoteIpAddress, http.Request.Headers[PageToken.Header], http.Request.Headers["Sec-Fetch-Site"],
                token) is { } refusal)
        {
            return Results.Json(new { error = refusal.Reason }, statusCode: refusal.Status);
        }

        return await next(context).ConfigureAwait(false);
    }
}
