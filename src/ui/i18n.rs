//! Every string of the connect page in English, Brazilian Portuguese and Spanish. A struct
//! rather than a map, so a missing translation does not compile.

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    En,
    PtBr,
    Es,
}

impl Locale {
    /// Understands `pt-BR`, `pt_br`, `pt`, `es-MX`, `en-US`…; `None` for other languages.
    pub fn parse(tag: &str) -> Option<Self> {
        let lang = tag.trim().split(['-', '_', ';']).next()?.to_ascii_lowercase();
        match lang.as_str() {
            "pt" => Some(Self::PtBr),
            "es" => Some(Self::Es),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header we speak, by the client's order.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut tags: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        tags.sort_by(|a, b| b.0.total_cmp(&a.0));
        tags.into_iter().find_map(|(_, tag)| Self::parse(tag))
    }

    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::PtBr => "pt-BR",
            Self::Es => "es",
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Self::En => &EN,
            Self::PtBr => &PT_BR,
            Self::Es => &ES,
        }
    }
}

pub struct Strings {
    pub title: &'static str,
    /// `{company}` and `{number}` are filled in.
    pub intro: &'static str,
    pub start: &'static str,
    pub loading: &'static str,
    pub method_qr: &'static str,
    pub method_code: &'static str,
    pub steps_qr: [&'static str; 3],
    pub steps_code: [&'static str; 3],
    pub qr_alt: &'static str,
    pub code_label: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    /// `{s}` is filled in.
    pub expires_in: &'static str,
    pub waiting: &'static str,
    pub window_closed_title: &'static str,
    pub window_closed_body: &'static str,
    pub new_code: &'static str,
    pub success_title: &'static str,
    pub success_body: &'static str,
    pub redirecting: &'static str,
    pub continue_label: &'static str,
    pub expired_title: &'static str,
    pub expired_body: &'static str,
    pub refresh: &'static str,
    pub used_title: &'static str,
    pub used_body: &'static str,
    pub revoked_title: &'static str,
    pub revoked_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub failed_title: &'static str,
    pub failed_body: &'static str,
    pub failed_final_body: &'static str,
    pub wrong_phone_title: &'static str,
    pub wrong_phone_body: &'static str,
    pub banned_title: &'static str,
    pub banned_body: &'static str,
    pub try_again: &'static str,
    pub passkey_title: &'static str,
    pub passkey_body: &'static str,
    /// Why the passkey cannot be confirmed from this page, and what to do instead.
    pub passkey_handoff: &'static str,
    pub passkey_link_label: &'static str,
    pub passkey_copy: &'static str,
    pub passkey_copied: &'static str,
    pub passkey_email: &'static str,
    pub passkey_whatsapp: &'static str,
    pub passkey_subject: &'static str,
    /// The passkey ceremony through the browser extension on a computer.
    pub ceremony_title: &'static str,
    pub ceremony_body: &'static str,
    pub ceremony_start: &'static str,
    pub ceremony_code_label: &'static str,
    pub ceremony_code_hint: &'static str,
    pub ceremony_get_extension: &'static str,
    pub ceremony_waiting: &'static str,
    pub ceremony_challenge: &'static str,
    pub ceremony_verifying: &'static str,
    pub ceremony_confirmation: &'static str,
    pub ceremony_done: &'static str,
    pub ceremony_failed: &'static str,
    pub ceremony_expired: &'static str,
    pub ceremony_error: &'static str,
    /// The extension runs on this computer: one button hands it the code.
    pub ceremony_extension_body: &'static str,
    pub ceremony_extension_start: &'static str,
    pub ceremony_extension_refused: &'static str,
    pub offline: &'static str,
    pub help: &'static str,
    pub powered: &'static str,
    pub sandbox: &'static str,
    pub error: &'static str,
    pub meta_title: &'static str,
    /// `{company}` is filled in.
    pub meta_embedded_body: &'static str,
    /// A coexistence link: the WhatsApp Business app number the person already uses.
    pub meta_coexistence_body: &'static str,
    /// The official rail offered when WhatsApp Web linking cannot work here.
    pub official_title: &'static str,
    pub official_body: &'static str,
    pub official_continue: &'static str,
    /// Before the hand-off, when the official rail is offered too.
    pub official_or: &'static str,
    pub meta_continue: &'static str,
    pub meta_not_configured: &'static str,
    pub meta_cancelled: &'static str,
    pub meta_credentials_body: &'static str,
    pub waba_id: &'static str,
    pub phone_number_id: &'static str,
    pub access_token: &'static str,
    pub pin: &'static str,
    pub connect_number: &'static str,
}

pub const EN: Strings = Strings {
    title: "Connect your WhatsApp",
    intro: "{company} will connect the WhatsApp number {number}.",
    start: "Connect WhatsApp",
    loading: "Loading…",
    method_qr: "Scan a QR code",
    method_code: "Use a code instead",
    steps_qr: [
        "Open WhatsApp on your phone.",
        "Tap Settings (or ⋮) › Linked devices › Link a device.",
        "Point your phone at this screen.",
    ],
    steps_code: [
        "Open WhatsApp on your phone.",
        "Tap Settings (or ⋮) › Linked devices › Link a device.",
        "Tap “Link with phone number instead” and type this code.",
    ],
    qr_alt: "QR code to link WhatsApp",
    code_label: "Your code",
    copy: "Copy",
    copied: "Copied",
    expires_in: "Expires in {s} s",
    waiting: "Waiting for your phone…",
    window_closed_title: "This code has expired",
    window_closed_body: "For your security, WhatsApp codes last only a few minutes. Get a new one when you are ready.",
    new_code: "Get a new code",
    success_title: "WhatsApp connected",
    success_body: "All done. You can close this page.",
    redirecting: "Taking you back…",
    continue_label: "Continue",
    expired_title: "This link has expired",
    expired_body: "Ask {company} for a new link.",
    refresh: "Get a new link",
    used_title: "This number is already connected",
    used_body: "This link has been used. There is nothing left to do here.",
    revoked_title: "This link is no longer valid",
    revoked_body: "It was replaced or cancelled. Use the latest link {company} sent you.",
    not_found_title: "Link not found",
    not_found_body: "Check that you opened the whole link.",
    failed_title: "WhatsApp did not accept the connection",
    failed_body: "Please try again.",
    failed_final_body: "WhatsApp refused to link this device. Contact {company} for help.",
    wrong_phone_title: "That was a different WhatsApp number",
    wrong_phone_body: "This link connects {number}. Open WhatsApp on the phone with that number and try again.",
    banned_title: "WhatsApp does not allow this number to link",
    banned_body: "WhatsApp has restricted this number. Contact {company} for help.",
    try_again: "Try again",
    passkey_title: "WhatsApp asks for your passkey",
    passkey_body: "WhatsApp wants this new device confirmed with your account's passkey (your fingerprint, face or screen lock). Follow the prompt on your phone if it shows one.",
    passkey_handoff: "If WhatsApp says it must be confirmed in a browser, this page cannot do it for you: open this link in a browser on your computer and continue there. WhatsApp keeps the request open for 10 minutes.",
    passkey_link_label: "This page's link",
    passkey_copy: "Copy link",
    passkey_copied: "Link copied",
    passkey_email: "Email it to myself",
    passkey_whatsapp: "Send it on WhatsApp",
    passkey_subject: "Connect WhatsApp on my computer",
    ceremony_title: "Confirm with your passkey on a computer",
    ceremony_body: "On a computer with the passkey extension: open web.whatsapp.com, click the extension's icon and type the code this button gives you.",
    ceremony_start: "Use a computer",
    ceremony_code_label: "Your code",
    ceremony_code_hint: "It works once, for 5 minutes.",
    ceremony_get_extension: "Get the extension",
    ceremony_extension_body: "The passkey extension is on this computer. Press the button, then confirm with your passkey in the WhatsApp Web tab it opens.",
    ceremony_extension_start: "Confirm with the extension",
    ceremony_extension_refused: "The extension could not take over. Press the button to try again.",
    ceremony_waiting: "Waiting for your computer…",
    ceremony_challenge: "Your computer is asking for your passkey…",
    ceremony_verifying: "WhatsApp is checking your passkey…",
    ceremony_confirmation: "Compare the code on your computer and confirm it there.",
    ceremony_done: "Passkey confirmed.",
    ceremony_failed: "That did not work. Ask for a new code and try again.",
    ceremony_expired: "This code expired. Ask for a new one.",
    ceremony_error: "We could not make a code just now. Try again.",
    offline: "Connection lost. Reconnecting…",
    help: "Need help?",
    powered: "Powered by Pairlink",
    sandbox: "Demo mode: no real WhatsApp account is linked.",
    error: "Something went wrong. Please try again.",
    meta_title: "Connect your official WhatsApp number",
    meta_coexistence_body: "Connect the WhatsApp Business app number you already use. A Facebook window opens: choose “Connect your existing WhatsApp Business app” and confirm on your phone. You keep using the app as before, and {company} can message your customers too.",
    official_title: "Connect through WhatsApp Business instead",
    official_body: "If this number runs the WhatsApp Business app, you can connect it through Meta's official sign-up instead, right here on this phone: no passkey, no computer, and you keep using the app.",
    official_continue: "Connect through WhatsApp Business (official)",
    official_or: "Or finish on a computer",
    meta_embedded_body: "{company} uses Meta's secure sign-up. A Facebook window opens: choose your business and the number to connect.",
    meta_continue: "Continue with Facebook",
    meta_not_configured: "Meta sign-up is not set up on this page yet. Please contact {company}.",
    meta_cancelled: "The Facebook window closed before sign-up finished. You can try again.",
    meta_credentials_body: "Enter your number's details from Meta (WhatsApp Manager › API setup).",
    waba_id: "WhatsApp Business Account ID",
    phone_number_id: "Phone number ID",
    access_token: "Permanent access token",
    pin: "Two-step verification PIN (optional)",
    connect_number: "Connect number",
};

pub const PT_BR: Strings = Strings {
    title: "Conecte seu WhatsApp",
    intro: "{company} vai conectar o número de WhatsApp {number}.",
    start: "Conectar WhatsApp",
    loading: "Carregando…",
    method_qr: "Escanear QR code",
    method_code: "Usar um código",
    steps_qr: [
        "Abra o WhatsApp no seu celular.",
        "Toque em Configurações (ou ⋮) › Dispositivos conectados › Conectar dispositivo.",
        "Aponte o celular para esta tela.",
    ],
    steps_code: [
        "Abra o WhatsApp no seu celular.",
        "Toque em Configurações (ou ⋮) › Dispositivos conectados › Conectar dispositivo.",
        "Toque em “Conectar com número de telefone” e digite este código.",
    ],
    qr_alt: "QR code para conectar o WhatsApp",
    code_label: "Seu código",
    copy: "Copiar",
    copied: "Copiado",
    expires_in: "Expira em {s} s",
    waiting: "Aguardando seu celular…",
    window_closed_title: "Este código expirou",
    window_closed_body: "Por segurança, os códigos do WhatsApp duram poucos minutos. Gere um novo quando estiver pronto.",
    new_code: "Gerar novo código",
    success_title: "WhatsApp conectado",
    success_body: "Tudo certo. Você já pode fechar esta página.",
    redirecting: "Redirecionando…",
    continue_label: "Continuar",
    expired_title: "Este link expirou",
    expired_body: "Peça um novo link para {company}.",
    refresh: "Obter novo link",
    used_title: "Este número já está conectado",
    used_body: "Este link já foi usado. Não há mais nada a fazer aqui.",
    revoked_title: "Este link não é mais válido",
    revoked_body: "Ele foi substituído ou cancelado. Use o link mais recente que {company} enviou.",
    not_found_title: "Link não encontrado",
    not_found_body: "Confira se você abriu o link completo.",
    failed_title: "O WhatsApp não aceitou a conexão",
    failed_body: "Tente novamente.",
    failed_final_body: "O WhatsApp recusou conectar este dispositivo. Fale com {company} para obter ajuda.",
    wrong_phone_title: "Esse era outro número de WhatsApp",
    wrong_phone_body: "Este link conecta {number}. Abra o WhatsApp no celular com esse número e tente novamente.",
    banned_title: "O WhatsApp não permite conectar este número",
    banned_body: "O WhatsApp restringiu este número. Fale com {company} para obter ajuda.",
    try_again: "Tentar novamente",
    passkey_title: "O WhatsApp pede sua chave de acesso",
    passkey_body: "O WhatsApp quer confirmar este novo aparelho com a chave de acesso da sua conta (digital, rosto ou bloqueio de tela). Siga o aviso no celular, se aparecer.",
    passkey_handoff: "Se o WhatsApp disser que a confirmação precisa ser feita em um navegador, esta página não consegue fazer isso por você: abra este link no navegador do seu computador e continue por lá. O WhatsApp mantém o pedido aberto por 10 minutos.",
    passkey_link_label: "Link desta página",
    passkey_copy: "Copiar link",
    passkey_copied: "Link copiado",
    passkey_email: "Enviar para meu e-mail",
    passkey_whatsapp: "Enviar pelo WhatsApp",
    passkey_subject: "Conectar o WhatsApp no meu computador",
    ceremony_title: "Confirme com sua chave de acesso em um computador",
    ceremony_body: "Em um computador com a extensão de chave de acesso: abra web.whatsapp.com, clique no ícone da extensão e digite o código que este botão mostra.",
    ceremony_start: "Usar um computador",
    ceremony_code_label: "Seu código",
    ceremony_code_hint: "Vale uma vez, por 5 minutos.",
    ceremony_get_extension: "Instalar a extensão",
    ceremony_extension_body: "A extensão de chave de acesso está neste computador. Toque no botão e confirme com sua chave de acesso na aba do WhatsApp Web que ela abrir.",
    ceremony_extension_start: "Confirmar com a extensão",
    ceremony_extension_refused: "A extensão não conseguiu continuar. Toque no botão para tentar de novo.",
    ceremony_waiting: "Aguardando seu computador…",
    ceremony_challenge: "Seu computador está pedindo sua chave de acesso…",
    ceremony_verifying: "O WhatsApp está verificando sua chave de acesso…",
    ceremony_confirmation: "Compare o código no seu computador e confirme por lá.",
    ceremony_done: "Chave de acesso confirmada.",
    ceremony_failed: "Não deu certo. Peça um novo código e tente de novo.",
    ceremony_expired: "Este código expirou. Peça um novo.",
    ceremony_error: "Não conseguimos gerar um código agora. Tente de novo.",
    offline: "Conexão perdida. Reconectando…",
    help: "Precisa de ajuda?",
    powered: "Tecnologia Pairlink",
    sandbox: "Modo de demonstração: nenhuma conta real do WhatsApp é conectada.",
    error: "Algo deu errado. Tente novamente.",
    meta_title: "Conecte seu número oficial do WhatsApp",
    meta_coexistence_body: "Conecte o número do app WhatsApp Business que você já usa. Uma janela do Facebook vai abrir: escolha “Conectar seu app WhatsApp Business existente” e confirme no celular. Você continua usando o app como antes, e a {company} também pode falar com seus clientes.",
    official_title: "Conecte pelo WhatsApp Business",
    official_body: "Se este número usa o app WhatsApp Business, você pode conectá-lo pelo cadastro oficial da Meta, aqui mesmo neste celular: sem chave de acesso, sem computador, e você continua usando o app.",
    official_continue: "Conectar pelo WhatsApp Business (oficial)",
    official_or: "Ou termine em um computador",
    meta_embedded_body: "{company} usa o cadastro seguro da Meta. Uma janela do Facebook vai abrir: escolha sua empresa e o número a conectar.",
    meta_continue: "Continuar com o Facebook",
    meta_not_configured: "O cadastro da Meta ainda não está configurado nesta página. Fale com {company}.",
    meta_cancelled: "A janela do Facebook fechou antes de terminar o cadastro. Você pode tentar de novo.",
    meta_credentials_body: "Informe os dados do seu número na Meta (Gerenciador do WhatsApp › Configuração da API).",
    waba_id: "ID da conta do WhatsApp Business",
    phone_number_id: "ID do número de telefone",
    access_token: "Token de acesso permanente",
    pin: "PIN de confirmação em duas etapas (opcional)",
    connect_number: "Conectar número",
};

pub const ES: Strings = Strings {
    title: "Conecta tu WhatsApp",
    intro: "{company} conectará el número de WhatsApp {number}.",
    start: "Conectar WhatsApp",
    loading: "Cargando…",
    method_qr: "Escanear un código QR",
    method_code: "Usar un código",
    steps_qr: [
        "Abre WhatsApp en tu teléfono.",
        "Toca Ajustes (o ⋮) › Dispositivos vinculados › Vincular un dispositivo.",
        "Apunta tu teléfono a esta pantalla.",
    ],
    steps_code: [
        "Abre WhatsApp en tu teléfono.",
        "Toca Ajustes (o ⋮) › Dispositivos vinculados › Vincular un dispositivo.",
        "Toca “Vincular con el número de teléfono” y escribe este código.",
    ],
    qr_alt: "Código QR para vincular WhatsApp",
    code_label: "Tu código",
    copy: "Copiar",
    copied: "Copiado",
    expires_in: "Caduca en {s} s",
    waiting: "Esperando tu teléfono…",
    window_closed_title: "Este código caducó",
    window_closed_body: "Por seguridad, los códigos de WhatsApp duran pocos minutos. Pide uno nuevo cuando estés listo.",
    new_code: "Obtener un código nuevo",
    success_title: "WhatsApp conectado",
    success_body: "Listo. Ya puedes cerrar esta página.",
    redirecting: "Redirigiendo…",
    continue_label: "Continuar",
    expired_title: "Este enlace caducó",
    expired_body: "Pide un nuevo enlace a {company}.",
    refresh: "Obtener un nuevo enlace",
    used_title: "Este número ya está conectado",
    used_body: "Este enlace ya se usó. No queda nada por hacer aquí.",
    revoked_title: "Este enlace ya no es válido",
    revoked_body: "Fue reemplazado o cancelado. Usa el enlace más reciente que te envió {company}.",
    not_found_title: "Enlace no encontrado",
    not_found_body: "Comprueba que abriste el enlace completo.",
    failed_title: "WhatsApp no aceptó la conexión",
    failed_body: "Inténtalo de nuevo.",
    failed_final_body: "WhatsApp rechazó vincular este dispositivo. Contacta a {company} para recibir ayuda.",
    wrong_phone_title: "Ese era otro número de WhatsApp",
    wrong_phone_body: "Este enlace conecta {number}. Abre WhatsApp en el teléfono con ese número e inténtalo de nuevo.",
    banned_title: "WhatsApp no permite vincular este número",
    banned_body: "WhatsApp restringió este número. Contacta a {company} para recibir ayuda.",
    try_again: "Intentar de nuevo",
    passkey_title: "WhatsApp pide tu llave de acceso",
    passkey_body: "WhatsApp quiere confirmar este nuevo dispositivo con la llave de acceso de tu cuenta (huella, rostro o bloqueo de pantalla). Sigue el aviso en tu teléfono si aparece.",
    passkey_handoff: "Si WhatsApp indica que debe confirmarse en un navegador, esta página no puede hacerlo por ti: abre este enlace en el navegador de tu computadora y continúa allí. WhatsApp mantiene la solicitud abierta durante 10 minutos.",
    passkey_link_label: "Enlace de esta página",
    passkey_copy: "Copiar enlace",
    passkey_copied: "Enlace copiado",
    passkey_email: "Enviármelo por correo",
    passkey_whatsapp: "Enviarlo por WhatsApp",
    passkey_subject: "Conectar WhatsApp en mi computadora",
    ceremony_title: "Confirma con tu llave de acceso en una computadora",
    ceremony_body: "En una computadora con la extensión de llave de acceso: abre web.whatsapp.com, haz clic en el ícono de la extensión y escribe el código que te da este botón.",
    ceremony_start: "Usar una computadora",
    ceremony_code_label: "Tu código",
    ceremony_code_hint: "Sirve una vez, durante 5 minutos.",
    ceremony_get_extension: "Obtener la extensión",
    ceremony_extension_body: "La extensión de llave de acceso está en esta computadora. Pulsa el botón y confirma con tu llave de acceso en la pestaña de WhatsApp Web que abra.",
    ceremony_extension_start: "Confirmar con la extensión",
    ceremony_extension_refused: "La extensión no pudo continuar. Pulsa el botón para intentarlo otra vez.",
    ceremony_waiting: "Esperando tu computadora…",
    ceremony_challenge: "Tu computadora está pidiendo tu llave de acceso…",
    ceremony_verifying: "WhatsApp está verificando tu llave de acceso…",
    ceremony_confirmation: "Compara el código en tu computadora y confírmalo allí.",
    ceremony_done: "Llave de acceso confirmada.",
    ceremony_failed: "No funcionó. Pide un código nuevo e inténtalo otra vez.",
    ceremony_expired: "Este código venció. Pide uno nuevo.",
    ceremony_error: "No pudimos generar un código ahora. Inténtalo otra vez.",
    offline: "Conexión perdida. Reconectando…",
    help: "¿Necesitas ayuda?",
    powered: "Con tecnología de Pairlink",
    sandbox: "Modo de demostración: no se vincula ninguna cuenta real de WhatsApp.",
    error: "Algo salió mal. Inténtalo de nuevo.",
    meta_title: "Conecta tu número oficial de WhatsApp",
    meta_coexistence_body: "Conecta el número de la app WhatsApp Business que ya usas. Se abrirá una ventana de Facebook: elige “Conectar tu app WhatsApp Business existente” y confirma en tu teléfono. Sigues usando la app como siempre, y {company} también puede escribir a tus clientes.",
    official_title: "Conéctalo con WhatsApp Business",
    official_body: "Si este número usa la app WhatsApp Business, puedes conectarlo con el registro oficial de Meta, aquí mismo en este teléfono: sin llave de acceso, sin computadora, y sigues usando la app.",
    official_continue: "Conectar con WhatsApp Business (oficial)",
    official_or: "O termina en una computadora",
    meta_embedded_body: "{company} usa el registro seguro de Meta. Se abrirá una ventana de Facebook: elige tu empresa y el número a conectar.",
    meta_continue: "Continuar con Facebook",
    meta_not_configured: "El registro de Meta aún no está configurado en esta página. Contacta a {company}.",
    meta_cancelled: "La ventana de Facebook se cerró antes de terminar el registro. Puedes intentarlo de nuevo.",
    meta_credentials_body: "Ingresa los datos de tu número en Meta (Administrador de WhatsApp › Configuración de la API).",
    waba_id: "ID de la cuenta de WhatsApp Business",
    phone_number_id: "ID del número de teléfono",
    access_token: "Token de acceso permanente",
    pin: "PIN de verificación en dos pasos (opcional)",
    connect_number: "Conectar número",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_and_accept_language() {
        assert_eq!(Locale::parse("pt-BR"), Some(Locale::PtBr));
        assert_eq!(Locale::parse("es_MX"), Some(Locale::Es));
        assert_eq!(Locale::parse("de"), None);
        assert_eq!(Locale::from_accept_language("de-DE,de;q=0.9,es;q=0.8,en;q=0.7"), Some(Locale::Es));
        assert_eq!(Locale::from_accept_language("en;q=0.5, pt-BR"), Some(Locale::PtBr));
        assert_eq!(Locale::from_accept_language("fr"), None);
    }

    #[test]
    fn translations_keep_their_placeholders() {
        for s in [&EN, &PT_BR, &ES] {
            assert!(s.intro.contains("{company}") && s.intro.contains("{number}"));
            assert!(s.expires_in.contains("{s}"));
            assert!(s.expired_body.contains("{company}") && s.revoked_body.contains("{company}"));
        }
    }
}
