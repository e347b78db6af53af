/** Every text the console shows, in French, in one place. */
const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;

export const t = {
  app: { name: 'vault-share', console: 'Console du coffre', skip: 'Aller au contenu' },
  common: {
    close: 'Fermer',
    cancel: 'Annuler',
    save: 'Enregistrer',
    loading: 'Chargement…',
    signOut: 'Se déconnecter',
  },
  nav: { breadcrumb: 'Fil d’Ariane', main: 'Navigation principale' },
  auth: {
    title: 'Connexion à votre coffre',
    email: 'Adresse e-mail',
    password: 'Mot de passe',
    totp: 'Code de votre application d’authentification',
    submit: 'Se connecter',
    wrongPassword: 'Adresse e-mail ou mot de passe incorrect.',
    wrongTotp: 'Ce code n’est pas le bon : saisissez celui que votre application affiche maintenant.',
    tooMany: 'Trop de tentatives : réessayez dans quelques minutes.',
    already: 'Vous êtes déjà connecté.',
    unreachable: 'Le service est injoignable : vérifiez votre connexion et réessayez.',
    failed: 'La connexion a échoué : réessayez.',
    unsupportedStep: 'Ce compte demande une étape de connexion que la console ne gère pas encore.',
  },
  security: {
    title: 'Sécurité du compte',
    totp: 'Application d’authentification',
    explain:
      'Avec une application d’authentification (Google Authenticator, Microsoft Authenticator, FreeOTP…), chaque connexion demande, après le mot de passe, le code à 6 chiffres qu’elle affiche.',
    state: 'État :',
    on: 'activée',
    off: 'désactivée',
    onExplain: 'Chaque connexion demande le code de votre application.',
    offExplain: 'La connexion ne demande que le mot de passe.',
    enable: 'Activer l’application d’authentification',
    setupTitle: 'Configurer l’application',
    scan: 'Scannez ce QR code avec votre application d’authentification.',
    qr: 'QR code à scanner avec votre application d’authentification',
    orType: 'Ou saisissez la clé ci-dessous dans l’application (compte à base de temps).',
    secret: 'Clé de configuration',
    copy: 'Copier la clé',
    copied: 'Clé copiée',
    code: 'Code à 6 chiffres affiché par l’application',
    codeProblems: {
      empty: 'Saisissez le code que l’application affiche.',
      digits: 'Le code ne contient que des chiffres.',
      length: 'Le code a exactement 6 chiffres.',
    },
    verify: 'Vérifier et activer',
    enabled: 'L’application d’authentification est activée : la prochaine connexion demandera son code.',
    disable: 'Désactiver',
    confirmDisable: 'Désactiver l’application d’authentification ? La connexion ne demandera plus que le mot de passe.',
    disabled: 'L’application d’authentification est désactivée.',
  },
  errors: {
    generic: 'Une erreur est survenue : réessayez.',
    unreachable: 'Le service est injoignable : vérifiez votre connexion et réessayez.',
    signedOut: 'Votre session a expiré : reconnectez-vous.',
    forbidden: 'Vous n’avez pas le droit de faire cela.',
    notFound: 'Cette page n’existe pas ou ne vous est pas ouverte.',
    config: 'La console n’est pas configurée (config.json illisible).',
  },
  roles: { owner: 'Propriétaire', member: 'Membre', guest: 'Invité' } as Record<string, string>,
  vaults: { title: 'Mes coffres', none: 'Vous n’appartenez encore à aucun coffre.' },
  dossiers: {
    title: 'Dossiers',
    public: 'public',
    kinds: { siv: 'Dossier SIV', internal: 'Interne', other: 'Autre', home: 'Page d’accueil' } as Record<
      string,
      string
    >,
  },
  dossier: {
    menu: 'Actions du dossier',
    link: 'Lien de téléchargement',
    access: 'Gérer les accès (personnes)',
  },
  documents: {
    title: 'Documents',
    caption: 'Documents du dossier',
    none: 'Aucun document dans ce dossier.',
    name: 'Nom',
    size: 'Taille',
    status: 'État',
    selectAll: 'Sélectionner tous les documents',
    select: (name: string) => `Sélectionner ${name}`,
    selected: (n: number) =>
      n === 0 ? 'Aucun document sélectionné.' : `${plural(n, 'document sélectionné', 'documents sélectionnés')}.`,
    statuses: { available: 'Disponible', pending: 'En cours d’envoi' } as Record<string, string>,
  },
  upload: {
    title: 'Déposer des documents',
    drop: 'Glissez vos fichiers ici, ou',
    pick: 'Choisir des fichiers',
    progress: (name: string) => `Envoi de ${name}`,
    done: 'Envoyé',
    failed: 'Échec',
    storageFailed: 'Le fichier n’a pas pu être envoyé (taille ou connexion) : réessayez.',
  },
  link: {
    title: 'Lien de téléchargement',
    chooseFirst: 'Cochez d’abord, dans le tableau, les documents à transmettre.',
    documents: (n: number) => `${plural(n, 'document', 'documents')} à transmettre :`,
    code: 'Code à 6 chiffres',
    codeHint: 'Saisissez un code ou faites-le générer.',
    generate: 'Générer un code',
    codeProblems: {
      empty: 'Saisissez ou générez un code.',
      digits: 'Le code ne contient que des chiffres.',
      length: 'Le code a exactement 6 chiffres.',
    },
    email: 'E-mail du destinataire (facultatif)',
    emailHint: 'Le lien lui sera envoyé ; jamais le code.',
    message: 'Message au destinataire (facultatif)',
    expiry: 'Validité du lien',
    hours: (h: number) => (h < 48 ? `${h} heures` : `${h / 24} jours`),
    create: 'Créer le lien',
    created: 'Le lien est créé.',
    url: 'Lien',
    copy: 'Copier le lien',
    copied: 'Lien copié',
    codeIs: 'Code :',
    codeWarning:
      'Ce code ne sera plus jamais affiché. Transmettez-le au destinataire par un autre moyen que le lien (téléphone, SMS, en personne) : jamais dans le même e-mail.',
    emailStatus: (status: string, to: string) =>
      status === 'sent'
        ? `Le lien a été envoyé par e-mail à ${to}.`
        : status === 'failed'
          ? `L’e-mail à ${to} n’a pas pu partir : transmettez le lien vous-même.`
          : 'Aucun e-mail envoyé : transmettez le lien vous-même.',
    expires: (at: string) => `Valable jusqu’au ${at}.`,
  },
  links: {
    title: 'Liens du dossier',
    caption: 'Liens de téléchargement du dossier',
    none: 'Aucun lien pour ce dossier.',
    status: 'État',
    created: 'Créé le',
    recipient: 'Destinataire',
    downloads: 'Téléchargements',
    actions: 'Actions',
    statuses: { active: 'Actif', used: 'Utilisé', revoked: 'Révoqué', expired: 'Expiré', locked: 'Bloqué' } as Record<
      string,
      string
    >,
    failed: (n: number) => ` · ${plural(n, 'code erroné', 'codes erronés')}`,
    expires: (at: string) => ` · expire le ${at}`,
    downloadedAt: (at: string) => `téléchargé le ${at}`,
    notDownloaded: 'pas encore téléchargé',
    revoke: 'Révoquer',
    confirmRevoke: 'Révoquer ce lien ? Il ne pourra plus servir.',
  },
  journal: { dossier: 'Journal du dossier', person: 'Journal de la personne', empty: 'Rien pour le moment.' },
  bell: {
    title: 'Notifications',
    label: (n: number) =>
      n === 0 ? 'Notifications, aucune non lue' : `Notifications, ${n} non lue${n > 1 ? 's' : ''}`,
    empty: 'Aucune notification.',
  },
  persons: {
    title: 'Personnes',
    search: 'Rechercher une personne',
    none: 'Aucune personne ne correspond.',
    noContact: 'aucune coordonnée',
    invite: 'Inviter…',
    new: 'Nouvelle personne',
    createAndInvite: 'Continuer vers l’invitation',
  },
  person: {
    back: 'Toutes les personnes',
    lastName: 'Nom',
    firstName: 'Prénom',
    email: 'E-mail',
    mobile: 'Mobile',
    mobileHint: 'Format français accepté : 06 12 34 56 78.',
    address: 'Adresse postale',
    line1: 'Adresse',
    line2: 'Complément d’adresse',
    postalCode: 'Code postal',
    city: 'Ville',
    country: 'Pays',
    contact: 'Coordonnées',
    edit: 'Modifier',
    editTitle: 'Modifier les coordonnées',
    hasAccess: (role: string) => `A accès au coffre (${role}).`,
    noAccess: 'N’a pas encore accès au coffre.',
  },
  invitation: {
    title: 'Inviter dans le coffre',
    home: 'Page d’accueil de l’invité',
    welcome: 'Texte d’accueil',
    dossiers: 'Dossiers ouverts à l’invité',
    publicAlways: 'public : toujours visible',
    rightsTitle: 'Droits de l’invité',
    rights:
      'Aucun droit par défaut sur les dossiers du Coffre sauf celui en lecture des dossiers publics et en écriture de la page d’accueil. Les dossiers cochés ci-dessus lui sont ouverts en lecture.',
    methods: 'Authentification forte par deux canaux',
    linkMethod: 'Le lien d’accès',
    byEmail: (email: string | null | undefined) =>
      email ? `Par e-mail, à ${email}.` : 'Par e-mail : aucune adresse e-mail connue.',
    byLetter: (address: string | null, letter: string) =>
      address
        ? `Sinon par courrier, à ${address} : ${letter} par lettre.`
        : `Sinon par courrier (${letter} par lettre) : aucune adresse postale connue.`,
    byNothing: 'Sinon, rien n’est envoyé.',
    linkBy: (channel: string, email: string, address: string, letter: string) =>
      channel === 'email'
        ? `Envoyé par e-mail à ${email}.`
        : channel === 'postal'
          ? `Pas d’e-mail : envoyé par courrier à ${address} (${letter} par lettre).`
          : 'Ni e-mail ni adresse postale : rien ne sera envoyé. Ajoutez une coordonnée pour inviter.',
    codeMethod: 'Le code de validation',
    mobileHint: 'Avec un mobile, le code part par SMS.',
    codeBy: (channel: string) =>
      channel === 'sms'
        ? 'Envoyé par SMS, séparément du lien.'
        : 'Pas de mobile : vous lirez le code dans l’invitation et le communiquerez par téléphone.',
    comment: 'Commentaire (dans l’e-mail ou le courrier)',
    send: 'Envoyer',
    sent: 'Invitation envoyée',
    notSent: 'Invitation enregistrée, mais rien n’a pu être envoyé',
    follow: 'Suivre l’invitation',
    linkSent: (channel: string, status: string) =>
      `Lien : ${({ email: 'par e-mail', postal: 'par courrier', none: 'aucun canal' } as Record<string, string>)[channel] ?? channel} (${channelStatus[status] ?? status}).`,
    codeSent: (channel: string, status: string) =>
      `Code : ${({ sms: 'par SMS', phone: 'par téléphone, par vous' } as Record<string, string>)[channel] ?? channel} (${channelStatus[status] ?? status}).`,
    letterCost: (cost: string, letters: number) => `${plural(letters, 'courrier', 'courriers')}, ${cost} chacun.`,
    codeToPhone: 'Code à communiquer par téléphone :',
    codeBySms: 'Code envoyé par SMS (à redonner si l’invité ne l’a pas reçu) :',
    relaunches: 'Nombre de relances',
    relaunch: 'Relancer',
    cancel: 'Annuler l’invitation',
    confirmCancel: 'Annuler cette invitation ? Son lien ne servira plus.',
    lastSent: (at: string) => `Dernier envoi : ${at}`,
    nextRelaunch: (at: string) => `prochaine relance : ${at}`,
    expires: (at: string) => `expire le ${at}`,
    previous: (status: string) => `Dernière invitation : ${status}.`,
    statuses: {
      pending: 'En attente',
      accepting: 'En cours d’acceptation',
      accepted: 'Acceptée',
      expired: 'Expirée',
      cancelled: 'Annulée',
      not_sent: 'Non envoyée',
      locked: 'Bloquée',
    } as Record<string, string>,
  },
  access: {
    title: 'Accès direct',
    explain:
      'La personne a déjà un compte vault-share ? Demandez-lui son code personnel d’identification : elle aura accès tout de suite, sans invitation.',
    code: 'Code personnel d’identification',
    grant: 'Donner l’accès',
  },
  guest: {
    home: 'Ma page d’accueil (déposer des documents)',
    open: 'Dossiers qui vous sont ouverts',
    none: 'Aucun autre dossier ne vous est ouvert.',
  },
};

const channelStatus: Record<string, string> = {
  sent: 'envoyé',
  queued: 'en file d’attente',
  failed: 'échec',
  deferred: 'différé',
  not_applicable: 'sans objet',
};
