/* The EST report page keeps its outbox in a database of its own (mapapp/field/outbox.js reads this). */
window.TRYGG_OUTBOX_DB = "trygg-est";
