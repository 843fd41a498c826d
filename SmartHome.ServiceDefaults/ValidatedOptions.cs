using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SmartHome.ServiceDefaults;

/// <summary>Settings that can say, one sentence each, what is wrong with them.</summary>
public interface IValidatableOptions
{
    /// <summary>Every problem with these settings, one sentence each; empty when valid.</summary>
    IReadOnlyList<string> Problems();
}

public static class ValidatedOptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> once, validates it now, registers that value as
    /// <see cref="IOptions{T}"/> and returns it: a service that opens files or keys with these settings before it starts
    /// stops on a bad value with one sentence (an <see cref="OptionsValidationException"/>, caught by its startup check),
    /// and the value the service runs with is the one that was validated.
    /// </summary>
    public static T AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section)
        where T : class, IValidatableOptions, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        var value = new T();
        builder.Configuration.GetSection(section).Bind(value);
        var problems = value.Problems();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(T), problems);
        }

        builder.Services.AddSingleton(Options.Create(value));
        return value;
    }

    /// <summary>The failures of an <see cref="OptionsValidationException"/> as sentences, without the framework's prefix.</summary>
    public static string Sentences(this OptionsValidationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return string.Join(" ", exception.Failures);
    }
}
